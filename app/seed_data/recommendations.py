"""The recommendations of the Culture Review and the Corporate Peer Challenge, 2019.

Accord's own structured copy of the two action plans in shared/seeds (plain data, no
parsing at runtime). Texts keep the seed's words, typographic quotes and typos (such as
"fir for purpose"); only whitespace, PDF line breaks and hyphenated line breaks are joined.
tests/unit/test_seed_recommendations.py checks this copy against the seed files.
"""

from typing import TypedDict


class SeedRecommendation(TypedDict):
    letter: str
    text: str
    theme: str
    response: str
    timescale: str | None


class SeedSource(TypedDict):
    name: str
    short_name: str
    slug: str
    title: str
    recommendations: list[SeedRecommendation]


# The seed's typographic quotes and apostrophes are kept as they are.

SOURCES: list[SeedSource] = [
    {
        "name": "Culture Review 2019",
        "short_name": "CR",
        "slug": "culture-review",
        "title": "Culture Review Action Plan",
        # Themes are the seed's four group headings. The Culture Review gives no timescales.
        # A response the council gave to a group as a whole is copied to each recommendation
        # in the group. "Heading N" below means the seed's Nth heading.
        "recommendations": [
            # Heading 1: one response, as <p> paragraphs on row a), for the whole group.
            {
                "letter": "a",
                "text": (
                    "Members and Officers need to work in partnership, to deliver strategic "
                    "priorities and services for the people of St Helens"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Corporate Planning "
                    "process"
                ),
                "response": (
                    "A report is due at Cabinet on July 17 2019 to approve the development of a "
                    "new Corporate Plan by the end of 2019 which will incorporate within a cascade "
                    "of objectives from the Corporate Plan itself, to business planning for "
                    "individual directorates, and then service and ultimately team or individual "
                    "level objective setting\n"
                    "\n"
                    "The process of producing this new Corporate Plan will enable the meeting of a "
                    "number of the recommendations set out within the Culture Review which will "
                    "include the setting of high level objectives at the political level enabling "
                    "delivery by the operational level of the Council\n"
                    "\n"
                    "In the short-term, report templates to Cabinet will more clearly show the "
                    "relevance of reports to the delivery of the existing Corporate Plan"
                ),
                "timescale": None,
            },
            {
                "letter": "b",
                "text": (
                    "The current and any revised Corporate Plan needs to be the focus of reports "
                    "to enable Members and officers alike to understand how decisions being taken "
                    "reinforce the golden thread from strategic priorities to day to day decision "
                    "making"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Corporate Planning "
                    "process"
                ),
                "response": (
                    "A report is due at Cabinet on July 17 2019 to approve the development of a "
                    "new Corporate Plan by the end of 2019 which will incorporate within a cascade "
                    "of objectives from the Corporate Plan itself, to business planning for "
                    "individual directorates, and then service and ultimately team or individual "
                    "level objective setting\n"
                    "\n"
                    "The process of producing this new Corporate Plan will enable the meeting of a "
                    "number of the recommendations set out within the Culture Review which will "
                    "include the setting of high level objectives at the political level enabling "
                    "delivery by the operational level of the Council\n"
                    "\n"
                    "In the short-term, report templates to Cabinet will more clearly show the "
                    "relevance of reports to the delivery of the existing Corporate Plan"
                ),
                "timescale": None,
            },
            # Heading 3: one response whose text runs across rows c) to p) of the seed (e) o) x) are
            # empty). Rows d) and g), and l) and m), continue mid-sentence, so each pair is one
            # paragraph here; the other rows' pieces are paragraphs of their own.
            {
                "letter": "c",
                "text": (
                    "Policy Cabinets are a welcome development. They can and should be developed "
                    "further to share things coming up in the long term programme and discuss the "
                    "more complex issues especially those that might need several airings before "
                    "any decisions can be reached"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "d",
                "text": (
                    "Quality time off site for joint Cabinet and Officer away days to discuss "
                    "strategy and big topics such as budget formulation should also be considered"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "e",
                "text": (
                    "The process of governance needs to be as transparent as possible to ensure "
                    "every Members in the ruling Group (and opposition Members) have access to "
                    "decisions made"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "f",
                "text": (
                    "Political priorities from the Leader’s Annual Council speech should be "
                    "incorporated into the next version of the Corporate Plan or be added to the "
                    "work programme for Officers to work on delivery"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Corporate Planning "
                    "process"
                ),
                "response": (
                    "A report is due at Cabinet on July 17 2019 to approve the development of a "
                    "new Corporate Plan by the end of 2019 which will incorporate within a cascade "
                    "of objectives from the Corporate Plan itself, to business planning for "
                    "individual directorates, and then service and ultimately team or individual "
                    "level objective setting\n"
                    "\n"
                    "The process of producing this new Corporate Plan will enable the meeting of a "
                    "number of the recommendations set out within the Culture Review which will "
                    "include the setting of high level objectives at the political level enabling "
                    "delivery by the operational level of the Council\n"
                    "\n"
                    "In the short-term, report templates to Cabinet will more clearly show the "
                    "relevance of reports to the delivery of the existing Corporate Plan"
                ),
                "timescale": None,
            },
            {
                "letter": "g",
                "text": (
                    "A joint session for Members and Officers should be held to define clearly the "
                    "complementary but different roles of Members and Officers. It is for the "
                    "ruling Group to determine policies and political priorities for the Officers "
                    "to carry them out. (We found no evidence that Officers dispute this.) Once "
                    "defined, the distinct roles should become the normal way of operating within "
                    "the Council. An open discussion on why a number of Members feel that officers "
                    "have lost respect for the political decision making process, should be part "
                    "of this learning session"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "h",
                "text": (
                    "Members and Officers should attend a further, separate, joint session to "
                    "discuss their respective roles in the planning and development work of the "
                    "Council and the legal position of the Council in this work"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            # Heading 4: here the council answered recommendation by recommendation: each row's
            # response names that row's own subject. The empty row y) shares w)'s response (the row
            # above it, on the same subject of performance reporting).
            {
                "letter": "j",
                "text": (
                    "We endorse the recommendation of the Peer Challenge Team (which has been "
                    "carried out) to appoint an Assistant Chief Executive to the Senior Management "
                    "Team"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "An Interim Appointment was made in April 2019 in response to the Peer Review "
                    "with the longer-term requirement considered in the report - Modernising the "
                    "Council - approved at Cabinet on July 17th, 2019"
                ),
                "timescale": None,
            },
            {
                "letter": "k",
                "text": (
                    "New senior Managers, where they are new to operating in a politically led "
                    "organisation, should receive training as part of their induction about how to "
                    "be successful in this environment. This training should be from an external "
                    "provider and should be extended to existing managers, as appropriate"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "A session for senior officers on operating in a political environment has "
                    "already been delivered by an external facilitator"
                ),
                "timescale": None,
            },
            {
                "letter": "l",
                "text": (
                    "Members and Officers need to be mindful and actively work towards creating a "
                    "sense of trust for each other"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "m",
                "text": (
                    "We recommend a joint development programme for Elected Members and Senior "
                    "Officers, externally facilitated, to develop a new Ways of Working Accord"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "n",
                "text": (
                    "Consideration should be given to creating a closer link between officers and "
                    "Ward Members perhaps by allocating officers to work with a small group of "
                    "Members on issues specific to their Ward"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "This was a suggestion of the Chief Executive and will be considered in due "
                    "course and will likely be introduced in the Autumn of 2019"
                ),
                "timescale": None,
            },
            {
                "letter": "o",
                "text": (
                    "The ruling Group would benefit from developing more open ways of "
                    "communicating by sharing more in Group and less communication by emails"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "p",
                "text": (
                    "Cabinet need to work with Officers to develop enhanced ways of communicating "
                    "between Cabinet and the rest of the ruling Group, consistent with good "
                    "practice"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            {
                "letter": "q",
                "text": (
                    "The Council should provide induction and support for new Members of all "
                    "Parties following an election"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "An induction is provided to all new members of Council but future induction "
                    "programmes will need to reflect on any new processes or priorities that are "
                    "in place. Examples include: Corporate Parenting Forum, Childrens and Adults "
                    "Safeguarding, Ethical Framework and Code of Conduct Training, Scrutiny "
                    "Function Overview etc."
                ),
                "timescale": None,
            },
            {
                "letter": "r",
                "text": (
                    "All Members should engage more with training programmes on a variety of "
                    "topics to enhance their skills and understand better what normal is within a "
                    "Council context"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "The Council has a Member Training Group who will be tasked with encouraging "
                    "Councillors to attend more regular training programmes and in particular, "
                    "external programmes, such as those provided by the LGA"
                ),
                "timescale": None,
            },
            # Heading 2: one response, as <p> paragraphs on row s), for s) and z).
            {
                "letter": "s",
                "text": (
                    "We support the Peer Review recommendations that the Council needs to "
                    "modernise the way it operates for the benefit of St Helens. Senior Managers "
                    "should prioritise at least two areas of the Council’s business where they "
                    "would like the Adaptive Innovator model to be applied, together with a "
                    "statement of the indicative desired end goal resulting from the change"
                ),
                "theme": "Recommendation on modernisation of the Council",
                "response": (
                    "A detailed paper on modernisation of the Council - called ‘One Council’ - is "
                    "due at Cabinet on July 17 2019\n"
                    "\n"
                    "This includes a focus on communications which will also be enhanced by "
                    "regular informal policy cabinet meetings, which will also be attended by the "
                    "Communications Manager, allowing forward planning and new ways of working to "
                    "be properly developed"
                ),
                "timescale": None,
            },
            {
                "letter": "t",
                "text": (
                    "The Officer Management Team have identified a need to work more closely "
                    "together to deliver the Council’s political priorities and it is recommended "
                    "that the work of Directors demonstrates links back to the Corporate Plan and "
                    "political priorities being delivered, wherever possible"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Corporate Planning "
                    "process"
                ),
                "response": (
                    "A report is due at Cabinet on July 17 2019 to approve the development of a "
                    "new Corporate Plan by the end of 2019 which will incorporate within a cascade "
                    "of objectives from the Corporate Plan itself, to business planning for "
                    "individual directorates, and then service and ultimately team or individual "
                    "level objective setting\n"
                    "\n"
                    "The process of producing this new Corporate Plan will enable the meeting of a "
                    "number of the recommendations set out within the Culture Review which will "
                    "include the setting of high level objectives at the political level enabling "
                    "delivery by the operational level of the Council\n"
                    "\n"
                    "In the short-term, report templates to Cabinet will more clearly show the "
                    "relevance of reports to the delivery of the existing Corporate Plan"
                ),
                "timescale": None,
            },
            {
                "letter": "u",
                "text": (
                    "The Directors need to ensure that operationally there is clear vision for "
                    "each service and that corporate systems are developed to support the "
                    "Corporate Plan, political priorities and operational delivery"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Corporate Planning "
                    "process"
                ),
                "response": (
                    "A report is due at Cabinet on July 17 2019 to approve the development of a "
                    "new Corporate Plan by the end of 2019 which will incorporate within a cascade "
                    "of objectives from the Corporate Plan itself, to business planning for "
                    "individual directorates, and then service and ultimately team or individual "
                    "level objective setting\n"
                    "\n"
                    "The process of producing this new Corporate Plan will enable the meeting of a "
                    "number of the recommendations set out within the Culture Review which will "
                    "include the setting of high level objectives at the political level enabling "
                    "delivery by the operational level of the Council\n"
                    "\n"
                    "In the short-term, report templates to Cabinet will more clearly show the "
                    "relevance of reports to the delivery of the existing Corporate Plan"
                ),
                "timescale": None,
            },
            {
                "letter": "v",
                "text": (
                    "Regular reports on progress with savings within the 3-year budget strategy "
                    "should be submitted to Cabinet to ensure openness and transparency with the "
                    "savings programme"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "Regular financial reporting to Cabinet was already in place but a clearer and "
                    "easier to read format has now been put in place and implemented"
                ),
                "timescale": None,
            },
            {
                "letter": "w",
                "text": (
                    "The Council needs to address the performance management deficit and develop "
                    "better ways to provide data to Members and officers to ensure that the risk "
                    "registers and audit reports are effective for delivery of the required "
                    "improvements"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "A review, supported by the LGA has been undertaken and a new approach to "
                    "performance reporting will be introduced"
                ),
                "timescale": None,
            },
            {
                "letter": "x",
                "text": (
                    "Officers should feel confident in sharing information openly and not be "
                    "concerned about possible repercussions of this. Members need to use the "
                    "information appropriately"
                ),
                "theme": (
                    "Recommendations responded to through introduction of a new Ways of Working"
                ),
                "response": (
                    "Policy Cabinet or an equivalent meeting between Cabinet Members and senior "
                    "officers as a collective to determine the forward programme of joint work are "
                    "common in Councils and were re-introduced in January 2019 in St Helens. These "
                    "meetings allow for closer working between Cabinet and senior officers\n"
                    "\n"
                    "Since May this has also included a number of themed sessions, held off-site "
                    "in some cases and some facilitated, on matters such as processes of decision "
                    "making to ensure all are working to a common process. This will contribute to "
                    "a Ways of Working Accord to support decision making processes and "
                    "communication of decision making downstream including communication of "
                    "decision making by Cabinet members to their political colleagues (noting that "
                    "officers are not responsible for within Group political communication)\n"
                    "\n"
                    "This ways of working includes greater forward planning of decision making "
                    "processes to allow for better communication to occur which will result in "
                    "better policy formulation and clearer decisions\n"
                    "\n"
                    "All necessary decisions are already transparently available with Council. "
                    "Cabinet, Delegated Executive Decisions and Admin Decisions are published as "
                    "appropriate. The Ways of Working Accord and implementation of the new Policy "
                    "Cabinet approach will aid the communication of such decision making\n"
                    "\n"
                    "Internal political Group communication is a matter for the political Group in "
                    "question but greater clarity if wider ways of working will support within "
                    "Group communication"
                ),
                "timescale": None,
            },
            # The seed's row y) has an empty response: it shares w)'s.
            {
                "letter": "y",
                "text": (
                    "The Peer Challenge report identified that performance reports would also "
                    "benefit from including a more holistic view of performance, including "
                    "delivery against major projects and political priorities, the performance of "
                    "contactors, and the extent to which risks are being managed"
                ),
                "theme": "Recommendations being responded to through operational changes",
                "response": (
                    "A review, supported by the LGA has been undertaken and a new approach to "
                    "performance reporting will be introduced"
                ),
                "timescale": None,
            },
            {
                "letter": "z",
                "text": (
                    "Communications needs to be improved in terms of reputational management and "
                    "getting ahead of the news agenda rather than reacting to it. The Directors "
                    "need to take ownership of this. Communication needs to be focused at "
                    "different activities including the delivery of the Corporate Plan and "
                    "political priorities, celebrating successes and being adept at managing news "
                    "events. A programme of activities should be developed to recognise and "
                    "celebrate successes which involves both Officers and Members of the Council"
                ),
                "theme": "Recommendation on modernisation of the Council",
                "response": (
                    "A detailed paper on modernisation of the Council - called ‘One Council’ - is "
                    "due at Cabinet on July 17 2019\n"
                    "\n"
                    "This includes a focus on communications which will also be enhanced by "
                    "regular informal policy cabinet meetings, which will also be attended by the "
                    "Communications Manager, allowing forward planning and new ways of working to "
                    "be properly developed"
                ),
                "timescale": None,
            },
        ],
    },
    {
        "name": "Corporate Peer Challenge 2019",
        "short_name": "CPC",
        "slug": "corporate-peer-challenge",
        "title": "Corporate Peer Challenge Action Plan",
        # The CPC action plan has no headings: each theme here is ours, derived from the
        # recommendation's text. Timescales are the plan's TIMESCALES column; responses are
        # its "comment at July 2019", with bullet points kept as lines starting "- ".
        "recommendations": [
            {
                "letter": "a",
                "text": (
                    "Arrange an urgent all member briefing on Children’s Services, highlighting "
                    "the challenges facing the Council and how it needs to respond, and ensure "
                    "that improving Children’s Services remains a clear corporate priority"
                ),
                "theme": "Children’s Services",
                "response": (
                    "Actions Taken:\n"
                    "\n"
                    "Outline presentation by CEX was done for each Political Group following the "
                    "focussed visit in July\n"
                    "\n"
                    "- Labour Group on October 15th 2018\n"
                    "- Opposition Groups on October 30th 2018\n"
                    "\n"
                    "Corporate Parenting training was already scheduled for throughout February "
                    "2019 and these included a broader briefing on the position in Children’s "
                    "services. Additional sessions have been arranged for June for new members who "
                    "have joined the Council since the local elections\n"
                    "\n"
                    "In addition to increase the shared Corporate awareness of the position in "
                    "children’s services the following has been done:\n"
                    "\n"
                    "- Cabinet on February 20th received a paper on the current context impacting "
                    "on the service providing a single position statement for members, staff and "
                    "partners\n"
                    "- All Senior Staff (AD level upwards) received Corporate Parenting training "
                    "and a briefing on the Children’s service position (done in February)\n"
                    "- Over 1,000 staff attended CEX all staff briefings which included specific "
                    "content on children’s services (also February)\n"
                    "- The Strategic Director Peoples Services has done a variety of sessions with "
                    "People’s service teams (ongoing from before CPC)\n"
                    "- Corporate services and Place services are represented on the Children’s "
                    "Improvement Board (since February)"
                ),
                "timescale": "February with additional actions over subsequent months",
            },
            {
                "letter": "b",
                "text": (
                    "Enhance senior capacity at Assistant Chief Executive (ACE) level to support "
                    "the change programme and improve co-ordination of political and managerial "
                    "decision making"
                ),
                "theme": "Senior capacity",
                "response": (
                    "Options for fulfilling the immediate capacity need were considered in "
                    "February. Creation of a new post and recruitment would likely be a 6 month "
                    "exercise and hence it was decided this be considered after the local "
                    "election. An interim appointment was taken forward for initially 4 months "
                    "beginning April 1st"
                ),
                "timescale": "March",
            },
            {
                "letter": "c",
                "text": (
                    "The Chief Executive should work with other senior officers to develop a more "
                    "distributed leadership model which empowers Strategic Directors and senior "
                    "managers (within a framework of clear accountability) and decreases the "
                    "current over reliance on the Chief Executive"
                ),
                "theme": "Distributed leadership",
                "response": (
                    "A broader set of actions on modernising accountability arrangements within "
                    "the Council is to be included within the ‘One Council’ programme which will "
                    "include accountability arrangements of senior officers and the linkages of "
                    "that to corporate planning and member led policy setting and member led "
                    "decision making"
                ),
                "timescale": "Ongoing",
            },
            {
                "letter": "d",
                "text": (
                    "Provide a development programme for both members and officers to improve "
                    "joint working, better understanding of their respective roles and reset the "
                    "Council’s culture to drive positive change and ensure it addresses the issue "
                    "of poor member behaviour as referred to in the report"
                ),
                "theme": "Member and officer development",
                "response": (
                    "A development programme supported by the LGA was already being delivered to "
                    "the majority Group at the time of the CPC which remains ongoing\n"
                    "\n"
                    "An external and independent culture review has been undertaken involving "
                    "members of all political priorities and a set of recommendations have bene "
                    "made to be taken forward by the Council. Elements will be included within the "
                    "One Council programme while other actions are already being implemented. For "
                    "example the reintroduction of regular ‘Policy Cabinet’ meetings between "
                    "Cabinet Members and Senior Officers is seen as critical\n"
                    "\n"
                    "A revised member/officer protocol was agreed at the Standards Committee on "
                    "April 2 and is intended to be adopted at Full Council\n"
                    "\n"
                    "Senior Council officers have also had a training session on operating in a "
                    "political environment"
                ),
                "timescale": "Ongoing",
            },
            {
                "letter": "e",
                "text": (
                    "Overhaul performance and financial reporting arrangements to provide clearer "
                    "information to support better informed decision making and performance "
                    "monitoring"
                ),
                "theme": "Performance and financial reporting",
                "response": (
                    "An LGA review of performance management arrangements has been undertaken and "
                    "initial findings presented to officers and relevant Cabinet members. A new "
                    "reporting approach is being implemented\n"
                    "\n"
                    "The Corporate Performance Report has had the number of indicators reduced to "
                    "assist providing clarity as an initial step in implementing findings. Full "
                    "implementation of a new approach will form part of the ‘One Council’ "
                    "programme\n"
                    "\n"
                    "Additionally, performance reporting in Children’s Services has been "
                    "considerably modified in recent months and an assurance approach has been "
                    "agreed via the Children’s Improvement Board"
                ),
                "timescale": "Initial work from March and inclusion in One Council programme",
            },
            # The seed gives f) no timescale or comment of its own: the extraction puts f)'s text
            # after g)'s cells. e)'s timescale and comment (on performance management and
            # reporting) cover f) too, so f) shares them, as a cell spanning both rows would.
            {
                "letter": "f",
                "text": (
                    "Ensure constructive performance challenge and robust performance management "
                    "across the organisation"
                ),
                "theme": "Performance management",
                "response": (
                    "An LGA review of performance management arrangements has been undertaken and "
                    "initial findings presented to officers and relevant Cabinet members. A new "
                    "reporting approach is being implemented\n"
                    "\n"
                    "The Corporate Performance Report has had the number of indicators reduced to "
                    "assist providing clarity as an initial step in implementing findings. Full "
                    "implementation of a new approach will form part of the ‘One Council’ "
                    "programme\n"
                    "\n"
                    "Additionally, performance reporting in Children’s Services has been "
                    "considerably modified in recent months and an assurance approach has been "
                    "agreed via the Children’s Improvement Board"
                ),
                "timescale": "Initial work from March and inclusion in One Council programme",
            },
            {
                "letter": "g",
                "text": (
                    "Ensure that the review of the Council’s strategy for the refresh of the "
                    "Council Plan engages with members, officers, partners and residents and leads "
                    "to an expression of its vision and priorities for the Borough that is widely "
                    "owned and clearly understood"
                ),
                "theme": "Council Plan",
                "response": (
                    "The Council does have an agreed Council Plan but it is recognised that this "
                    "has not been engaged with previously. Under the proposed One Council Strategy "
                    "a new Corporate Plan process has been developed with the intention this be "
                    "approved at the Cabinet meeting on 17th July 2019. This seeks approval to "
                    "create a new Council Plan reflecting the priorities, approve 3 themes within "
                    "the Plan and present to Cabinet by end of 2019 to allow for a Council Plan to "
                    "be in place for the start of the 2020/21 Council year"
                ),
                "timescale": "Process agreed summer 2019 for Council Plan 2020 onwards",
            },
            {
                "letter": "h",
                "text": (
                    "As part of the regeneration strategy, develop a programme to support adults "
                    "in work to develop their skills to progress their careers and earnings, "
                    "enabling them to take advantage of the full range of opportunities presented "
                    "by jobs growth in St Helens"
                ),
                "theme": "Adult skills and employment",
                "response": (
                    "A dedicated adults into work plan will be developed and brought to cabinet in "
                    "2019"
                ),
                "timescale": "Autumn 2019",
            },
            {
                "letter": "i",
                "text": (
                    "Develop a capital and investment funding strategy that takes account of the "
                    "Council’s priorities, including its regeneration and economic investment "
                    "goals, and ensure this is linked to the Medium Term Financial Strategy"
                ),
                "theme": "Capital investment",
                "response": (
                    "St Helens Council has significant economic growth, regeneration and capital "
                    "investment requirements and opportunities. A number of pieces of work inform "
                    "this and is being brought together to produce a single medium term capital "
                    "investment plan for the Council which would need agreement by Cabinet most "
                    "likely in the Autumn of 2019"
                ),
                "timescale": "Development into summer 2019 for agreement autumn 2019",
            },
            {
                "letter": "j",
                "text": (
                    "Develop and invest in a more proactive external communications strategy - to "
                    "promote good news, mitigate and manage bad news and reinforce the St Helens "
                    "narrative - to be owned and delivered across all service areas"
                ),
                "theme": "External communications",
                "response": (
                    "Cross-portfolio and cross-department sessions with the communications team "
                    "were implemented from March 2019 to inform communication planning. New posts "
                    "were recruited to at a similar time period to the CPC being undertaken\n"
                    "\n"
                    "Training on communication for officers across the Council and also for "
                    "Members is to be undertaken\n"
                    "\n"
                    "Further investment into the service function would require agreement through "
                    "budget setting processes for 2020/21 onwards"
                ),
                "timescale": "From March 2019",
            },
            {
                "letter": "k",
                "text": (
                    "Develop and invest in a comprehensive approach to organisational development, "
                    "including strengthening internal communications and engagement"
                ),
                "theme": "Organisational development",
                "response": (
                    "A dedicated strand of the ‘One Council’ programme will be focussed on "
                    "delivering a more comprehensive approach to organisational development "
                    "including internal communications and engagement"
                ),
                "timescale": "To be included in One Council Programme",
            },
            {
                "letter": "l",
                "text": (
                    "Develop clear priorities for modernisation to realise the adaptive innovator "
                    "model, followed by a roadmap for delivery with sufficient resources to ensure "
                    "success"
                ),
                "theme": "Modernisation",
                "response": (
                    "A ‘One Council’ programme has been under development since the CPC to "
                    "modernise the Council and to provide a road-map for its delivery. The One "
                    "Council programme will be agreed by Cabinet but the proposed outline elements "
                    "are:\n"
                    "\n"
                    "- One Resident - a renewed focus on putting the resident as a customer at the "
                    "heart of service delivery\n"
                    "- One People - a focus on organisational development including communications "
                    "within the Council\n"
                    "- One Practice - ensuring Governance is modern and fir for purpose for the "
                    "model of Council St Helens intends to be\n"
                    "- One Budget - the production of a post 2017/18 to 2019/20 budget for the "
                    "Council based on delivery of priorities identified in the Corporate Plan\n"
                    "- One Outcome - work-stream on improving performance management and "
                    "information informing decision making by officers and members\n"
                    "- One Space - this relates to ensuring the Council has the right estate and "
                    "asset base for the delivery of services in the Borough and to support staff "
                    "in the delivery of services\n"
                    "- One Message - work on improving communications\n"
                    "- One Digital - a work-stream for renewal of ICT and to ensure that the "
                    "renewed focus on putting residents at the heart of service delivery"
                ),
                "timescale": "To be agreed by Cabinet summer 2019",
            },
        ],
    },
]
