"""Unsubscribe links: one key per person in the link, withdrawn when their email changes, and a
page that says whose account it is to nobody."""

from __future__ import annotations

from app.extensions import db
from app.mail import sent_mail
from app.models import EmailPreference, Role
from app.services import notifications, people
from tests import factories


def _token(app, email: str) -> str:
    with app.app_context(), app.test_request_context():
        token = notifications.unsubscribe_token(factories.user(email))
        db.session.commit()
        return token


def _preference(app, email: str) -> EmailPreference:
    with app.app_context():
        return EmailPreference(factories.user(email).email_notifications)


def test_the_link_works_without_signing_in_and_never_shows_the_address(app, client):
    with factories.built(app):
        email = factories.member().email
    token = _token(app, email)
    assert email.split("@")[0] not in token and "@" not in token
    page = client.get(f"/notifications/unsubscribe/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Stop notification emails" in html
    assert email not in html and email.split("@")[0] not in html
    done = client.post_form(f"/notifications/unsubscribe/{token}")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Notification emails stopped" in html
    assert email not in html
    assert _preference(app, email) == EmailPreference.NONE


def test_a_new_email_address_rotates_the_key_and_the_old_link_is_refused(app, client):
    with factories.built(app):
        email, admin_email = factories.member().email, factories.admin().email
    old = _token(app, email)
    with app.app_context():
        person, admin = factories.user(email), factories.user(admin_email)
        key_before = person.unsubscribe_key
        people.update_person(
            person,
            by=admin,
            name=person.display_name,
            email="new.address@example.org",
            roles={Role.MEMBER},
            group=person.group,
            ward=person.ward,
        )
        db.session.commit()
        assert person.unsubscribe_key and person.unsubscribe_key != key_before
    refused = client.post(f"/notifications/unsubscribe/{old}")
    assert refused.status_code == 400
    assert "This unsubscribe link is not valid" in refused.get_data(as_text=True)
    assert _preference(app, "new.address@example.org") == EmailPreference.DAILY_DIGEST
    new = _token(app, "new.address@example.org")
    assert new != old
    assert client.post(f"/notifications/unsubscribe/{new}").status_code == 200
    assert _preference(app, "new.address@example.org") == EmailPreference.NONE


def test_other_changes_keep_the_link(app, client):
    with factories.built(app):
        email, admin_email = factories.member().email, factories.admin().email
    token = _token(app, email)
    with app.app_context():
        person = factories.user(email)
        people.update_person(
            person,
            by=factories.user(admin_email),
            name="A New Name",
            email=email.upper(),
            roles={Role.MEMBER},
        )
        db.session.commit()
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200


def test_a_person_with_no_key_yet_gets_one_when_first_emailed(app, client):
    with factories.built(app):
        person = factories.member()
        person.unsubscribe_key = None
        email = person.email
    token = _token(app, email)
    with app.app_context():
        assert factories.user(email).unsubscribe_key
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200


def test_tokens_naming_no_one_or_forged_are_refused(app, client):
    with factories.built(app):
        email = factories.member().email
    with app.app_context():
        serializer = notifications._serializer()
        person = factories.user(email)
        forged = [
            serializer.dumps(person.id),  # the old form: an id alone
            serializer.dumps([person.id, "guessed-key"]),
            serializer.dumps([999999, person.unsubscribe_key]),
            serializer.dumps({"id": person.id}),
        ]
    for token in forged:
        assert client.post(f"/notifications/unsubscribe/{token}").status_code == 400
    assert _preference(app, email) == EmailPreference.DAILY_DIGEST


def test_emails_carry_the_rotatable_link(app):
    with factories.built(app):
        email = factories.member().email
    with app.app_context(), app.test_request_context():
        person = factories.user(email)
        notifications._email_one(person, "Something happened", "/", 1)
        db.session.commit()
    (message,) = sent_mail(app)
    token = _token(app, email)
    assert f"/notifications/unsubscribe/{token}" in message["List-Unsubscribe"]
    assert f"/notifications/unsubscribe/{token}" in message.get_content()
