"""Sessions as iCalendar events, in the Europe/London time zone."""

from __future__ import annotations

from flask import current_app

from app.mail import external_url
from app.models import JointSession
from app.services.joint_sessions import LONDON


def calendar_for(sessions: list[JointSession]) -> bytes:
    from icalendar import Calendar, Event  # here, not at start-up: only this answer needs it

    calendar = Calendar()
    calendar.add("prodid", f"-//{current_app.config['COUNCIL_NAME']}//Accord//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Accord: themed joint sessions")
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.id}@accord")
        event.add("summary", session.title)
        event.add("dtstart", session.starts_at.astimezone(LONDON))
        event.add("dtend", session.ends_at.astimezone(LONDON))
        event.add("dtstamp", session.created_at)
        event.add("location", session.venue + (" (off-site)" if session.is_off_site else ""))
        event.add(
            "description",
            f"Theme: {session.theme}. For {session.audience.label}. "
            + external_url("joint_sessions.show", session_id=session.id),
        )
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
