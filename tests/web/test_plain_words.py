"""Plain words where a person reads (issue 15): audit actions described, not coded; page titles
that say what they are; refusals that say why and lead somewhere."""

from __future__ import annotations

import pytest

from app.audit_words import ACTIONS, action_label
from app.extensions import db
from app.models import AuditEvent
from app.services import voting
from tests import factories
from tests.helpers import PASSWORD, make_user

SLUG = "ways-of-working-accord"
DOC = f"/documents/{SLUG}"


def test_action_codes_have_plain_descriptions():
    assert action_label("session.signed_in") == "Signed in"
    assert action_label("something_new.happened") == "Something new happened"
    assert all("." not in label and "_" not in label for label in ACTIONS.values())


def test_audit_trail_shows_plain_words_and_a_referral_back(app, client):
    with factories.built(app):
        factories.document(referred_back="Clause 2 needs the Monitoring Officer's view.")
        factories.standards()
    client.sign_in("standards@example.org")
    html = client.get("/audit").get_data(as_text=True)
    assert "session.signed_in" not in html.replace('value="session.signed_in"', "")
    assert "<code>" not in html.split('<h2 class="govuk-heading-m">Events</h2>')[1]
    assert "Signed in" in html
    assert "Referred back by the Standards Committee" in html
    with app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="document.state_changed").all()[-1]
        event_id = event.object_id
    history = client.get(f"/audit/document/{event_id}")
    assert history.status_code == 200
    assert "document.state_changed" not in history.get_data(as_text=True)
    versions = client.get(f"{DOC}/versions").get_data(as_text=True)
    assert "<strong>Referred back by the Standards Committee</strong>" in versions


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (f"{DOC}/voting/close", "Close voting on the Ways of Working Accord"),
        (f"{DOC}/clauses/1/voting/close", "Close voting on clause 1 of the Ways of Working Accord"),
        (f"{DOC}/state/close", "Close the Ways of Working Accord to comment"),
    ],
)
def test_page_titles_say_what_the_page_is(app, client, path, title):
    with factories.built(app):
        factories.voting_opened(factories.document())
    client.sign_in("facilitator@example.org")
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert f"<title>{title} – Accord" in response.get_data(as_text=True)


def test_wording_number_is_explained_on_the_clause_page(app, client):
    from app.services import amendments

    with factories.built(app):
        document = factories.document()
        amendments.edit_clause(
            factories.clause(document, "1"),
            "Trust",
            "Reworded.",
            "Clearer",
            by=factories.user("facilitator@example.org"),
            seen_revision=1,
        )
        factories.member()
    client.sign_in("member@example.org")
    html = client.get(f"{DOC}/clauses/1").get_data(as_text=True)
    assert "Wording 2, the current wording: the clause's text has changed once" in html


def test_a_stopped_amendment_address_says_amendments_are_stopped(app, client):
    with factories.built(app):
        document = factories.document()
        voting.set_amendments_stopped(document, True, by=factories.user("facilitator@example.org"))
        factories.member()
    client.sign_in("member@example.org")
    response = client.get(f"{DOC}/clauses/1/amendments/new")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "New amendments to this clause are stopped" in html
    assert "You do not have permission" not in html


def test_a_decided_amendment_confirmation_page_gives_the_reason(app, client):
    from app.services import amendments

    with factories.built(app):
        amendment = factories.amendment()
        amendments.reject_amendment(
            amendment, "Not needed", by=factories.user("facilitator@example.org")
        )
        amendment_id = amendment.id
    client.sign_in("facilitator@example.org")
    for action in ("accept", "reject"):
        response = client.get(f"/amendments/{amendment_id}/{action}")
        assert response.status_code == 409
        assert "This amendment was already rejected." in response.get_data(as_text=True)


def test_a_throttled_signed_out_person_is_offered_a_password_reset(app):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    make_user(app, "jo@example.org")
    client = app.test_client()
    for _ in range(2):
        client.post_form("/sign-in", {"email": "jo@example.org", "password": "wrong-password"})
    refused = client.post_form("/sign-in", {"email": "jo@example.org", "password": PASSWORD})
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert 'href="/forgotten-password">Reset your password</a>' in html
    assert "Go to the list of documents" not in html
