"""Demonstration content for Accord: people, and draft documents to read and discuss.

Everything here is demonstration material, written for this product from the recommendations of
St Helens Council's Culture Review action plan ("CR a" to "CR z", no i) and Corporate Peer
Challenge action plan ("CPC a" to "CPC l"). It is not council policy, has not been agreed by any
Member, Officer or committee, and is not the council's adopted Member/Officer Protocol. All the
people are fictional: names, wards and job titles are invented, and every address is at
example.org.

Plain data only. The demo seed loads it, puts the documents in the Open state, and links each
clause to the recommendations named in its "answers".
"""

from typing import Literal, TypedDict

RoleName = Literal["member", "officer", "facilitator", "standards", "admin"]
DocumentKind = Literal["accord", "protocol", "agenda"]


class DemoPerson(TypedDict):
    email: str
    display_name: str
    roles: list[RoleName]
    group: str | None
    ward: str | None
    job_title: str | None
    service: str | None
    is_independent_person: bool


class DemoClause(TypedDict):
    heading: str
    body: str  # Markdown
    answers: list[str]  # recommendation names, e.g. "CR c", "CPC d"


class DemoDocument(TypedDict):
    kind: DocumentKind
    slug: str
    title: str
    summary: str
    clauses: list[DemoClause]


DEMO_PEOPLE: list[DemoPerson] = [
    # The five demo accounts, one for each role.
    {
        "email": "member@example.org",
        "display_name": "Sarah Whitfield",
        "roles": ["member"],
        "group": "Labour Group",
        "ward": "Parr",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "officer@example.org",
        "display_name": "Rachel Hartley",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Assistant Director, Legal and Governance",
        "service": "Legal and Governance",
        "is_independent_person": False,
    },
    {
        "email": "facilitator@example.org",
        "display_name": "Jane Cartwright",
        "roles": ["facilitator"],
        "group": None,
        "ward": None,
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "standards@example.org",
        "display_name": "David Ellison",
        "roles": ["standards"],
        "group": None,
        "ward": None,
        "job_title": None,
        "service": None,
        "is_independent_person": True,
    },
    {
        "email": "admin@example.org",
        "display_name": "Lucy Parkinson",
        "roles": ["admin"],
        "group": None,
        "ward": None,
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    # Members. Labour Group is the ruling Group; the others are opposition Groups.
    {
        "email": "graham.tyldesley@example.org",
        "display_name": "Graham Tyldesley",
        "roles": ["member"],
        "group": "Labour Group",
        "ward": "Haydock",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "helen.marsden@example.org",
        "display_name": "Helen Marsden",
        "roles": ["member"],
        "group": "Labour Group",
        "ward": "Newton",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "imran.chaudhry@example.org",
        "display_name": "Imran Chaudhry",
        "roles": ["member"],
        "group": "Labour Group",
        "ward": "Town Centre",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "lorraine.fairclough@example.org",
        "display_name": "Lorraine Fairclough",
        "roles": ["member"],
        "group": "Labour Group",
        "ward": "Thatto Heath",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "patricia.rowley@example.org",
        "display_name": "Patricia Rowley",
        "roles": ["member"],
        "group": "Liberal Democrat Group",
        "ward": "Eccleston",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "keith.ormerod@example.org",
        "display_name": "Keith Ormerod",
        "roles": ["member", "standards"],
        "group": "Conservative Group",
        "ward": "Rainford",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "megan.halsall@example.org",
        "display_name": "Megan Halsall",
        "roles": ["member"],
        "group": "Green Group",
        "ward": "Windle",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    {
        "email": "jack.unsworth@example.org",
        "display_name": "Jack Unsworth",
        "roles": ["member"],
        "group": "Independent Group",
        "ward": "Rainhill",
        "job_title": None,
        "service": None,
        "is_independent_person": False,
    },
    # Officers, across several services.
    {
        "email": "michael.brennan@example.org",
        "display_name": "Michael Brennan",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Chief Executive",
        "service": "Chief Executive's Office",
        "is_independent_person": False,
    },
    {
        "email": "owen.pritchard@example.org",
        "display_name": "Owen Pritchard",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Assistant Chief Executive",
        "service": "Chief Executive's Office",
        "is_independent_person": False,
    },
    {
        "email": "angela.forsyth@example.org",
        "display_name": "Angela Forsyth",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Strategic Director, People's Services",
        "service": "People's Services",
        "is_independent_person": False,
    },
    {
        "email": "tom.whittaker@example.org",
        "display_name": "Tom Whittaker",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Strategic Director, Place Services",
        "service": "Place Services",
        "is_independent_person": False,
    },
    {
        "email": "steven.lowe@example.org",
        "display_name": "Steven Lowe",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Assistant Director, Finance",
        "service": "Corporate Services",
        "is_independent_person": False,
    },
    {
        "email": "nadia.rahman@example.org",
        "display_name": "Nadia Rahman",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Communications Manager",
        "service": "Communications",
        "is_independent_person": False,
    },
    {
        "email": "claire.donnelly@example.org",
        "display_name": "Claire Donnelly",
        "roles": ["officer"],
        "group": None,
        "ward": None,
        "job_title": "Democratic Services Manager",
        "service": "Legal and Governance",
        "is_independent_person": False,
    },
]


DOCUMENTS: list[DemoDocument] = [
    {
        "kind": "accord",
        "slug": "ways-of-working-accord",
        "title": "Ways of Working Accord",
        "summary": (
            "How the Members and Officers of St Helens Council commit to working together, drafted "
            "jointly in answer to the Culture Review and the Corporate Peer Challenge. Once "
            "agreed, it goes to the Standards Committee and then to Full Council for adoption."
        ),
        "clauses": [
            {
                "heading": "Purpose and shared commitment",
                "body": (
                    "This Accord sets out how the Members and Officers of St Helens Council will "
                    "work together. It has been drafted jointly, through an externally facilitated "
                    "development programme, and it belongs equally to both.\n\n"
                    "We share one purpose: to deliver the Council's strategic priorities and good "
                    "services for the people of St Helens. Members and Officers bring different "
                    "things to that purpose: a democratic mandate and knowledge of our communities "
                    "on one side, professional advice and the means of delivery on the other. "
                    "Neither can succeed without the other.\n\n"
                    "In signing up to this Accord we commit to:\n\n"
                    "- work in partnership, not in parallel;\n"
                    "- treat each other with courtesy and respect, in public and in private;\n"
                    "- raise problems early and honestly, and resolve them constructively;\n"
                    "- review how well we are living up to these commitments, and say so when we "
                    "fall short."
                ),
                "answers": ["CR a", "CR m", "CPC d"],
            },
            {
                "heading": "Complementary roles of Members and Officers",
                "body": (
                    "Members and Officers have complementary but different roles. It is for "
                    "Members, and in particular the ruling Group through the Leader and Cabinet, "
                    "to set the Council's policies and political priorities. It is for Officers to "
                    "give impartial professional advice on those policies and then to carry them "
                    "out, lawfully, efficiently and well.\n\n"
                    "In practice this means:\n\n"
                    "- Members decide; Officers advise before a decision and deliver after it.\n"
                    "- Officers give their honest professional view, including on risk, cost and "
                    "the legal position, even when it is unwelcome; Members weigh that advice and "
                    "take the decision.\n"
                    "- Members do not direct the day-to-day management of staff or services; "
                    "Officers do not substitute their own priorities for those the Council has "
                    "set.\n"
                    "- Opposition Members scrutinise, challenge and propose alternatives, and are "
                    "entitled to Officers' professional support in doing so.\n\n"
                    "Once agreed, these roles are our normal way of operating. Where a role is "
                    "unclear, we ask rather than assume."
                ),
                "answers": ["CR g", "CPC d"],
            },
            {
                "heading": "Trust and mutual respect",
                "body": (
                    "Trust is built over time and can be lost quickly. Members and Officers will "
                    "be mindful of this and will actively work to earn each other's trust.\n\n"
                    "Officers will respect the political decision-making process and the "
                    "democratic mandate behind it. Once the Council has made a decision, Officers "
                    "will implement it in full and in the spirit intended, whatever advice they "
                    "gave beforehand.\n\n"
                    "Members will respect Officers' professional judgement and their duty to "
                    "advise impartially. Members will not criticise individual Officers in public "
                    "or in the media; concerns about performance are raised privately with the "
                    "relevant Director or the Chief Executive.\n\n"
                    "We will all behave in a way that models the culture we want: courteous in "
                    "meetings, constructive in disagreement and fair in correspondence. Poor "
                    "behaviour, by anyone, is named and dealt with rather than tolerated."
                ),
                "answers": ["CR l", "CR g", "CPC d"],
            },
            {
                "heading": "Sharing information early: no surprises",
                "body": (
                    "Good decisions depend on good information, shared early. Our rule is no "
                    "surprises: neither Members nor Officers should first learn of a significant "
                    "issue in their area from the press, social media or a resident.\n\n"
                    "Officers will:\n\n"
                    "- tell the relevant Cabinet Member, and where appropriate the ward Members, "
                    "promptly about emerging issues and risks, and about bad news as well as "
                    "good;\n"
                    "- share information openly and honestly, confident that doing so in good "
                    "faith will not count against them.\n\n"
                    "Members will:\n\n"
                    "- use information appropriately, respecting confidentiality, data protection "
                    "and the status of draft or exempt material;\n"
                    "- not use information shared in confidence to embarrass Officers or for party "
                    "advantage;\n"
                    "- give Officers early notice of issues they intend to raise publicly, "
                    "wherever they reasonably can."
                ),
                "answers": ["CR x", "CR l"],
            },
            {
                "heading": "Shared priorities and the golden thread",
                "body": (
                    "Our work is anchored in the Council Plan. The Plan, and the political "
                    "priorities within it, are the golden thread that links strategic decisions to "
                    "the day-to-day work of every service.\n\n"
                    "- Political priorities set out by the Leader at the Annual Council meeting "
                    "will be built into the next version of the Council Plan or added to the "
                    "Officer work programme, so that nothing promised is lost.\n"
                    "- Reports to Cabinet and committees will show clearly how each proposal "
                    "furthers the Council Plan and the political priorities.\n"
                    "- Directors will work together as one Officer team, set a clear vision for "
                    "each service, and show how their plans link back to the Council Plan.\n"
                    "- When the Plan is refreshed, Members of all Groups, Officers, partners and "
                    "residents will be engaged, so that the vision is widely owned and clearly "
                    "understood."
                ),
                "answers": ["CR b", "CR f", "CR t", "CR u", "CPC g"],
            },
            {
                "heading": "Policy Cabinet and the forward programme",
                "body": (
                    "Policy Cabinet brings Cabinet Members and senior Officers together "
                    "informally, as a collective, to plan the forward programme of joint work. It "
                    "is where the ruling Group's priorities and Officers' professional advice meet "
                    "before proposals are formalised.\n\n"
                    "We will use Policy Cabinet to:\n\n"
                    "- look ahead across the long-term programme, not only the next Cabinet "
                    "agenda;\n"
                    "- discuss complex or contentious issues early, over several meetings where "
                    "needed, before any decision is reached;\n"
                    "- agree the timetable for key decisions, including consultation, scrutiny and "
                    "the budget cycle;\n"
                    "- plan how decisions will be communicated, with the Communications Manager "
                    "attending for that purpose.\n\n"
                    "Policy Cabinet meets regularly, to an agenda agreed in advance by the Leader "
                    "and the Chief Executive. It informs decisions but does not take them: formal "
                    "decisions are still made in public by Cabinet, committees and Full Council, "
                    "or by Officers under delegated powers."
                ),
                "answers": ["CR c", "CPC d"],
            },
            {
                "heading": "Communication between Cabinet, the ruling Group and opposition Groups",
                "body": (
                    "Decisions are better understood, and better supported, when Members hear "
                    "about them early and from the right people.\n\n"
                    "- Cabinet Members will keep the rest of the ruling Group informed about "
                    "decisions in their portfolio and the thinking behind them, using Group "
                    "meetings for open discussion rather than relying on email.\n"
                    "- Officers will help Cabinet Members to do this by providing clear, timely "
                    "briefing notes and, when asked, by attending Group meetings to explain the "
                    "facts and options.\n"
                    "- Opposition Groups will be briefed on significant matters, such as major "
                    "decisions, the budget and service pressures, on a fair and equivalent basis, "
                    "and Group Leaders may ask for an Officer briefing.\n\n"
                    "How each political Group communicates internally is a matter for that Group. "
                    "Officers are not responsible for communication within a Group and will not be "
                    "drawn into Group business beyond giving factual advice."
                ),
                "answers": ["CR p", "CR o", "CR e"],
            },
            {
                "heading": "Transparent decisions",
                "body": (
                    "Governance in St Helens will be as transparent as possible, so that every "
                    "Member, in the ruling Group and in the opposition Groups, can see what has "
                    "been decided, by whom and why.\n\n"
                    "- Decisions of Full Council, Cabinet, committees and Officers acting under "
                    "delegated powers are published promptly, with the reasons and the report on "
                    "which they were based, save where the law requires information to be exempt.\n"
                    "- Members are told when a key decision affecting their ward or their "
                    "committee is on the forward plan.\n"
                    "- Reports use plain English, set out the options considered, and state the "
                    "financial, legal and equality implications.\n"
                    "- Regular, easy-to-read reports on financial and service performance, "
                    "including progress with savings in the budget strategy, go to Cabinet and are "
                    "available to all Members.\n\n"
                    "Where a Member cannot find a decision or the information behind it, "
                    "Democratic Services will help."
                ),
                "answers": ["CR e", "CR v", "CR w", "CPC e"],
            },
            {
                "heading": "Induction, training and development",
                "body": (
                    "Working well together is a skill that Members and Officers keep developing "
                    "throughout their time with the Council.\n\n"
                    "- Every new Member, of every Group, receives an induction after their "
                    "election covering how the Council works, this Accord, the Member/Officer "
                    "Protocol, the Code of Conduct, corporate parenting, safeguarding and the "
                    "scrutiny function.\n"
                    "- All Members are encouraged to take part in training throughout their term, "
                    "including external programmes such as those offered by the LGA. The Member "
                    "Training Group will promote opportunities and report on take-up.\n"
                    "- Senior managers who are new to a politically led organisation receive "
                    "training from an external provider on working successfully in that "
                    "environment, and the same is offered to existing managers where it would "
                    "help.\n"
                    "- Members and Officers attend joint development sessions, so that we learn "
                    "about each other's roles side by side."
                ),
                "answers": ["CR q", "CR r", "CR k", "CPC d"],
            },
            {
                "heading": "Ward links and Members as community leaders",
                "body": (
                    "Members are community leaders. They know their wards, often hear residents' "
                    "concerns first and bring them into the Council. Officers value that knowledge "
                    "and will make it easy for ward Members to get things done.\n\n"
                    "- Named link Officers will each work with the Members for a small group of "
                    "wards on issues specific to those wards, and will route enquiries to the "
                    "right service.\n"
                    "- Ward Members will be told in advance about significant Council activity in "
                    "their ward, such as consultations, works, closures and announcements.\n"
                    "- Member enquiries receive a prompt acknowledgement and a clear answer, or an "
                    "explanation of when one will follow.\n"
                    "- Ward Members are invited to take part in local events and in celebrating "
                    "local achievements.\n\n"
                    "Link Officers support the Members of every Group equally; ward work is never "
                    "a channel for party political activity."
                ),
                "answers": ["CR n"],
            },
            {
                "heading": "Joint sessions and away days",
                "body": (
                    "Some conversations need more time than a formal meeting allows. Members and "
                    "Officers will meet regularly outside the committee cycle to think together.\n"
                    "\n"
                    "- Cabinet and senior Officers will hold away days, off site where practical, "
                    "to discuss strategy and big topics such as budget formulation.\n"
                    "- Themed joint sessions, some externally facilitated, will bring Members and "
                    "Officers together on agreed topics. Early sessions will define our "
                    "complementary roles, and separately discuss our roles in the Council's "
                    "planning and development work and the Council's legal position in that work.\n"
                    "- Sessions will be open, candid and respectful. What is said to explore an "
                    "idea will not be quoted later to criticise the person who said it.\n\n"
                    "Each session will record what was agreed and any changes it proposes to this "
                    "Accord or to the Member/Officer Protocol."
                ),
                "answers": ["CR d", "CR g", "CR h", "CR m"],
            },
            {
                "heading": "Celebrating success and communicating with residents",
                "body": (
                    "We want residents to hear about the Council's work clearly, accurately and "
                    "early, and we want to recognise the people who make it happen.\n\n"
                    "- Directors take ownership of communications in their area, working with the "
                    "Communications team to get ahead of the news agenda rather than react to it.\n"
                    "- Communications focus on delivering the Council Plan and political "
                    "priorities, explaining decisions and handling difficult news openly.\n"
                    "- A programme of activity will recognise and celebrate successes, involving "
                    "both Members and Officers and crediting the teams and communities behind "
                    "them.\n"
                    "- Internal communications keep staff informed about the Council's direction "
                    "and decisions, so that Officers at every level understand the part they "
                    "play.\n\n"
                    "Council communications are about Council business. They are never used for "
                    "party political purposes, and they follow the rules on publicity before "
                    "elections."
                ),
                "answers": ["CR z", "CPC j", "CPC k"],
            },
            {
                "heading": "Living the Accord and keeping it under review",
                "body": (
                    "This Accord only matters if it changes how we work. Members and Officers "
                    "should each feel able to say when it is not being followed, without fear of "
                    "repercussions, and the first step will always be an informal conversation.\n\n"
                    "- The Accord will be reviewed each year at a joint session of Members and "
                    "Officers, and after each election.\n"
                    "- Progress will be reported to the Standards Committee alongside the "
                    "Member/Officer Protocol, which sets out the formal standards of conduct "
                    "behind these commitments.\n"
                    "- Changes to the Accord are drafted jointly, as this version was, and "
                    "recommended to Full Council for adoption."
                ),
                "answers": ["CR m", "CR l", "CPC d"],
            },
        ],
    },
    {
        "kind": "protocol",
        "slug": "member-officer-protocol",
        "title": "Member/Officer Protocol",
        "summary": (
            "The standards Members and Officers expect of each other in their working "
            "relationships, revised in answer to the Corporate Peer Challenge. It sits alongside "
            "the codes of conduct and is overseen by the Standards Committee."
        ),
        "clauses": [
            {
                "heading": "Purpose and principles",
                "body": (
                    "This Protocol sets out the standards that Members and Officers of St Helens "
                    "Council expect of each other in their working relationships. It forms part of "
                    "the Council's Constitution, sits alongside the Members' Code of Conduct and "
                    "the Officers' Code of Conduct, and is overseen by the Standards Committee. "
                    "The Ways of Working Accord describes how we want to work together; this "
                    "Protocol sets out the rules beneath it.\n\n"
                    "Relationships between Members and Officers rest on:\n\n"
                    "- mutual trust, respect and courtesy;\n"
                    "- a shared commitment to the people of St Helens;\n"
                    "- a clear understanding of, and respect for, each other's roles;\n"
                    "- honesty, openness and fairness;\n"
                    "- the political neutrality of Officers.\n\n"
                    "A breach of this Protocol may also be a breach of the relevant code of "
                    "conduct."
                ),
                "answers": ["CPC d", "CR a", "CR l"],
            },
            {
                "heading": "Roles of Members and Officers",
                "body": (
                    "Members are accountable to the electorate. They set the Council's policy "
                    "framework and budget, take decisions through Full Council, Cabinet and "
                    "committees, scrutinise performance and represent their wards. Cabinet Members "
                    "lead their portfolios politically but do not manage staff.\n\n"
                    "Officers are accountable to the Chief Executive through the management "
                    "structure. They give impartial professional advice, implement the decisions "
                    "the Council lawfully makes, manage services and staff, and take the decisions "
                    "delegated to them.\n\n"
                    "Members must not:\n\n"
                    "- give instructions to Officers other than through a decision of Full "
                    "Council, Cabinet or a committee, or as the Constitution allows;\n"
                    "- involve themselves in the appointment, discipline or management of staff, "
                    "except as members of a formal panel.\n\n"
                    "Officers must not seek to make, or to frustrate, decisions that are properly "
                    "for Members. Where Members act in a regulatory capacity, for example on "
                    "planning or licensing, Officers will advise on the legal position and the "
                    "specific rules that apply."
                ),
                "answers": ["CR g", "CR h", "CPC d"],
            },
            {
                "heading": "Political neutrality of Officers",
                "body": (
                    "Officers serve the Council as a whole. They must be politically neutral, and "
                    "be seen to be so, whichever Group forms the administration.\n\n"
                    "- Officers give the same quality of advice to every Member, whatever their "
                    "Group.\n"
                    "- Officers support the ruling Group in developing and delivering its "
                    "policies, because those are the Council's policies; doing so is not a breach "
                    "of neutrality.\n"
                    "- Officers do not take part in party political activity in the course of "
                    "their work. Officers in politically restricted posts observe the restrictions "
                    "that apply.\n"
                    "- Members must not ask Officers to prepare party political material or to act "
                    "in a way that would compromise their neutrality.\n\n"
                    "An Officer who believes a request would compromise their neutrality should "
                    "say so, and may seek advice from their Director or the Monitoring Officer."
                ),
                "answers": ["CR g", "CPC d"],
            },
            {
                "heading": "Members' access to information",
                "body": (
                    "Members are entitled to the information they reasonably need to carry out "
                    "their duties, and Officers will provide it promptly and helpfully.\n\n"
                    "- Members have a right to see documents about business to be considered by "
                    "Full Council, Cabinet or a committee, subject to the law on exempt and "
                    "confidential information.\n"
                    "- Beyond that, a Member who needs information to carry out their role, for "
                    "example as a ward Member or a committee member, should be given it. Wanting "
                    "information for party political purposes, or out of curiosity alone, is not a "
                    "need to know.\n"
                    "- Officers share information openly and must not suffer repercussions for "
                    "doing so in good faith.\n"
                    "- Members use information appropriately: confidential information stays "
                    "confidential, personal data is handled lawfully, and draft papers are not "
                    "presented as settled positions.\n\n"
                    "Disputes about access are decided by the Monitoring Officer."
                ),
                "answers": ["CR x", "CR e"],
            },
            {
                "heading": "Working with political Groups",
                "body": (
                    "Officers may be asked to support the political Groups, and may do so within "
                    "clear limits.\n\n"
                    "- Officers may brief a Group meeting on Council business at the request of "
                    "the Group Leader and with the agreement of the relevant Director. Briefings "
                    "are confined to facts, options and professional advice, and Officers leave "
                    "before any party political discussion.\n"
                    "- Where the ruling Group is briefed on a significant matter, the Leaders of "
                    "opposition Groups may ask for an equivalent briefing.\n"
                    "- Officers keep Group discussions they attend confidential and do not relay "
                    "them to other Groups.\n"
                    "- A Group's decision is not a decision of the Council. Officers act only on "
                    "decisions properly taken by Full Council, Cabinet, a committee or under "
                    "delegated powers.\n\n"
                    "Communication within a Group is a matter for that Group. Cabinet Members may "
                    "ask Officers for factual briefing notes to help them keep their Group "
                    "informed."
                ),
                "answers": ["CR p", "CR o", "CR e"],
            },
            {
                "heading": "Courtesy, conduct and behaviour",
                "body": (
                    "Members and Officers treat each other with courtesy and respect at all times, "
                    "including when they disagree.\n\n"
                    "- Members should not criticise or undermine individual Officers at meetings "
                    "held in public, in the media or on social media. Concerns about an Officer's "
                    "work are raised with the relevant Director or the Chief Executive.\n"
                    "- Officers should not comment publicly on Members' political views or "
                    "decisions, or discuss a Member's conduct except through the proper channels.\n"
                    "- Close personal familiarity between an individual Member and Officer can "
                    "damage confidence in the Council. Both should avoid any relationship that "
                    "might suggest favouritism, and declare any close personal or family "
                    "relationship.\n"
                    "- Bullying, intimidation and harassment are not acceptable from anyone and "
                    "will be dealt with under the relevant code."
                ),
                "answers": ["CR l", "CPC d"],
            },
            {
                "heading": "Social media, publicity and the press",
                "body": (
                    "The Council's communications are about Council business and are never party "
                    "political.\n\n"
                    "- Officers support the Leader, Cabinet Members and committee chairs in "
                    "communicating Council decisions and activity. Press releases quote Members in "
                    "their Council role, not as representatives of a Group.\n"
                    "- Before elections, Council publicity follows the Code of Recommended "
                    "Practice on Local Authority Publicity, and Officers will advise Members of "
                    "the restrictions.\n"
                    "- Members are responsible for what they post on social media. They must not "
                    "disclose confidential information, or name or make allegations about "
                    "individual Officers online.\n"
                    "- Officers using social media in a personal capacity must not comment on "
                    "political matters relating to the Council or present personal views as the "
                    "Council's.\n"
                    "- Where a story concerns a ward, the Communications team will tell the ward "
                    "Members before publication wherever possible."
                ),
                "answers": ["CPC j", "CR z", "CPC d"],
            },
            {
                "heading": "Raising concerns and the Standards Committee",
                "body": (
                    "Most concerns can and should be resolved informally and quickly.\n\n"
                    "- An Officer concerned about a Member's behaviour should raise it with their "
                    "line manager or Director, who may speak to the Member or their Group Leader. "
                    "Officers who raise concerns in good faith will be supported and must suffer "
                    "no detriment.\n"
                    "- A Member concerned about an Officer's conduct or performance should raise "
                    "it with the relevant Director or the Chief Executive, never with the Officer "
                    "in public.\n"
                    "- Where informal resolution fails, or the matter is serious, it may be "
                    "referred to the Monitoring Officer. Complaints that a Member has breached the "
                    "Code of Conduct are handled under the Council's arrangements, with the views "
                    "of an Independent Person.\n\n"
                    "The Standards Committee oversees this Protocol, receives an annual report on "
                    "how it is working and recommends any revisions to Full Council."
                ),
                "answers": ["CPC d", "CR x", "CR l"],
            },
        ],
    },
    {
        "kind": "agenda",
        "slug": "themed-session-trust-and-roles",
        "title": "Themed joint session: Roles and trust",
        "summary": (
            "A half-day, externally facilitated session for Members of all Groups and senior "
            "Officers on the distinct roles of Members and Officers and how trust between them is "
            "built. Its outcomes feed into the Ways of Working Accord and the Member/Officer "
            "Protocol."
        ),
        "clauses": [
            {
                "heading": "Welcome and purpose",
                "body": (
                    "Welcome from the Leader and the Chief Executive, and introduction by the "
                    "facilitator. Why we are here: the Culture Review and the Corporate Peer "
                    "Challenge both asked Members and Officers to define their roles together and "
                    "reset the way we work. Agreeing how the session will run: candid, respectful "
                    "and non-attributable outside the room. (15 minutes)"
                ),
                "answers": ["CR g", "CR m", "CPC d"],
            },
            {
                "heading": "Workshop: who does what",
                "body": (
                    "In mixed tables of Members and Officers, take three real examples (setting "
                    "the budget, answering a ward complaint and announcing a service change) and "
                    "map who decides, who advises and who delivers at each step. Tables note where "
                    "roles are clear and where they blur, then feed back to the room. (45 minutes)"
                ),
                "answers": ["CR g", "CPC d"],
            },
            {
                "heading": "Discussion: respect for political decision making",
                "body": (
                    "An open discussion on why some Members feel that Officers have lost respect "
                    "for the political decision-making process, and on what Officers need in order "
                    "to give frank advice and share information without fear of repercussions. The "
                    "facilitator will draw out the behaviours that build or erode trust on both "
                    "sides. (40 minutes)"
                ),
                "answers": ["CR g", "CR l", "CR x"],
            },
            {
                "heading": "Decision: agree the roles wording",
                "body": (
                    "In the light of the workshop, participants consider the draft roles clauses "
                    "of the Ways of Working Accord and the Member/Officer Protocol, and agree "
                    "either to support the wording as it stands or to put forward amendments for "
                    "voting. (30 minutes)"
                ),
                "answers": ["CR m", "CR g", "CPC d"],
            },
            {
                "heading": "Next steps",
                "body": (
                    "Summary of what was agreed and who will take each action. Confirm the date of "
                    "the separate session on roles in the Council's planning and development work "
                    "and its legal position, and arrangements for a Cabinet and senior Officer "
                    "away day on budget formulation. Evaluation and close. (10 minutes)"
                ),
                "answers": ["CR d", "CR h", "CR m"],
            },
        ],
    },
]


class DemoComment(TypedDict):
    by: str  # the email of one of DEMO_PEOPLE
    body: str


class DemoDiscussion(TypedDict):
    document: str  # a slug in DOCUMENTS
    clause: str  # the clause's number
    title: str
    opening: DemoComment
    replies: list[DemoComment]  # replies to the opening comment


class DemoVoting(TypedDict):
    document: str  # a document's slug
    closes_in_days: int


# A little of what people do, loaded by `flask seed-demo` (not by the tests' demo data), so that
# the demo Member finds notifications waiting: a reply to their comment, a new discussion on a
# clause they took part in, voting open on the Protocol and an invitation to the themed session.
DEMO_DISCUSSIONS: list[DemoDiscussion] = [
    {
        "document": "ways-of-working-accord",
        "clause": "4",
        "title": "How early is early enough?",
        "opening": {
            "by": "member@example.org",
            "body": (
                "Could we say what 'promptly' means? Ward Members often hear of a planning or "
                "highways issue only when residents ring them. A working day's notice before "
                "anything goes public would be a good start."
            ),
        },
        "replies": [
            {
                "by": "officer@example.org",
                "body": (
                    "A working day is realistic for planned announcements. For an emergency we "
                    "would aim to tell the Cabinet Member and ward Members within the hour, by "
                    "phone. Could the clause name both?"
                ),
            }
        ],
    },
    {
        "document": "ways-of-working-accord",
        "clause": "4",
        "title": "Confidential and exempt papers",
        "opening": {
            "by": "graham.tyldesley@example.org",
            "body": (
                "Sharing early should not mean Members receive exempt papers by informal email. "
                "Can the clause point to how confidential material is shared?"
            ),
        },
        "replies": [],
    },
]

# Voting open on the Protocol, closing this many days after the demo is loaded.
DEMO_VOTING: DemoVoting = {"document": "member-officer-protocol", "closes_in_days": 14}
