"""What each audit action code means, in plain words: the one place the audit trail, an
object's history and the action filter turn ``session.signed_in`` into "Signed in" (issue 15,
"Plain words everywhere a person reads"). The codes stay in the trail (they are sealed in its
hash chain); only what is shown changes. A code not listed here is shown made readable
("recommendation_source.created" → "Recommendation source created"), never as code."""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "action.added": "Session action added",
    "action.done": "Session action done",
    "agenda.item_added": "Agenda item added",
    "agenda.item_proposed": "Agenda item proposed",
    "agenda.outcome_recorded": "Agenda item outcome recorded",
    "agenda.proposal_accepted": "Proposed agenda item accepted",
    "agenda.proposal_declined": "Proposed agenda item declined",
    "amendment.proposed": "Amendment proposed",
    "amendment.accepted": "Amendment accepted",
    "amendment.rejected": "Amendment rejected",
    "amendment.withdrawn": "Amendment withdrawn",
    "clause.added": "Clause added",
    "clause.moved": "Clause moved",
    "clause.number_fixed": "Clause number fixed by hand",
    "clause.number_released": "Clause number follows the order again",
    "clause.reinstated": "Clause reinstated",
    "clause.retired": "Clause retired",
    "clause.revised": "Clause reworded",
    "comment.edited": "Comment edited",
    "comment.posted": "Comment posted",
    "comment.withdrawn": "Comment withdrawn",
    "comment.hidden": "Comment hidden",
    "comment.unhidden": "Comment shown again",
    "discussion.started": "Discussion started",
    "discussion.locked": "Discussion locked",
    "discussion.unlocked": "Discussion unlocked",
    "document.created": "Document created",
    "document.state_changed": "Document moved to a new stage",
    "person.created": "Person added",
    "person.deactivated": "Person deactivated",
    "person.email_preference": "Email preferences changed",
    "person.invitation_accepted": "Invitation accepted",
    "person.invited": "Person invited",
    "person.password_reset": "Password reset",
    "person.password_reset_requested": "Password reset requested",
    "person.password_set": "Password set",
    "person.reactivated": "Person reactivated",
    "person.roles_changed": "Roles changed",
    "person.updated": "Person's details changed",
    "person.two_factor_disabled": "Second factor switched off",
    "person.two_factor_enabled": "Second factor switched on",
    "person.two_factor_recovery_codes": "New recovery codes made",
    "person.two_factor_reset": "Second factor reset",
    "recommendation.deleted": "Recommendation deleted",
    "recommendation.edited": "Recommendation edited",
    "recommendation.retired": "Recommendation retired",
    "recommendation.unretired": "Recommendation brought back",
    "recommendation_source.created": "Source of recommendations added",
    "recommendations.imported": "Recommendations imported",
    "review.note_added": "Review note added",
    "session.attendance": "Attendance answered",
    "session.created": "Themed session created",
    "session.current_password_failed": "Current password refused",
    "session.recovery_code_used": "Signed in with a recovery code",
    "session.sign_in_failed": "Sign-in failed",
    "session.signed_in": "Signed in",
    "session.signed_out": "Signed out",
    "session.two_factor_failed": "Second-factor code refused",
    "two_factor.key_rotated": "Second-factor keys renewed",
    "version.published": "Version published",
    "vote.cast": "Vote cast",
    "vote.interest_withdrawn": "Declaration of interest withdrawn",
    "vote.set_aside": "Votes set aside",
    "voting.opened": "Voting opened",
    "voting.closed": "Voting closed",
    "voting.rule_changed": "Agreement rule changed",
    "voting.amendments_stopped": "New amendments stopped",
    "voting.amendments_resumed": "New amendments taken again",
}


def action_label(code: str) -> str:
    """The plain description of an audit action code."""
    if code in ACTIONS:
        return ACTIONS[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]
