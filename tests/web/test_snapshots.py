"""The fixture snapshots (``tests/snapshots.py``): a world copied in is the world built."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Clause, Document, User
from app.services import audit
from tests import factories
from tests.snapshots import _SNAPSHOTS, snapshot

BUILT: list[str] = []


@pytest.fixture
@snapshot
def world(app):
    BUILT.append(app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0])
    with factories.built(app):
        factories.everyone()
        document = factories.document(clauses=3, title="Snapshot Accord")
        app.config["SNAPSHOT_DOCUMENT"] = document.id
        ids = {"document": document.id}
    return ids


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Document, Clause, AuditEvent)
        }


@pytest.mark.parametrize("turn", [1, 2, 3])
def test_a_copied_world_is_the_built_one_and_takes_new_rows(app, world, turn):
    """Built once a database kind, copied after: the same rows, the same returned ids and
    settings, an audit chain that still verifies, and sequences that go on past the copied
    rows (a new document gets a new id, never a copied one's)."""
    kind = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    assert BUILT.count(kind) == 1 or turn == 1
    assert any(key[1] == "world" for key in _SNAPSHOTS)
    assert app.config["SNAPSHOT_DOCUMENT"] == world["document"]
    counts = _counts(app)
    assert counts["Document"] == 1 and counts["Clause"] == 3 and counts["User"] >= 5
    with app.app_context():
        assert db.session.get(Document, world["document"]).title == "Snapshot Accord"
        assert audit.verify().ok
    with factories.built(app):
        added = factories.document(clauses=1, title=f"Added {turn}")
        assert added.id > world["document"]
    assert _counts(app)["Document"] == 2
