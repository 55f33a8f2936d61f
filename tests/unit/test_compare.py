"""Comparing two texts clause by clause: added, removed, moved, changed."""

from app.comparison import compare


def clause(id_, heading="H", body="B", number=None):
    return {
        "id": id_,
        "number": number or str(id_),
        "heading": heading,
        "body": body,
        "recommendations": [],
    }


def kinds(comparison):
    return [(c.kind, (c.new or c.old)["id"]) for c in comparison.changes]


def test_identical_texts_have_no_changes():
    old = [clause(1), clause(2)]
    result = compare(old, old)
    assert result.summary == {"added": 0, "removed": 0, "moved": 0, "changed": 0}
    assert all(not c.is_change for c in result.changes)


def test_an_inserted_clause():
    result = compare([clause(1), clause(3)], [clause(1), clause(2), clause(3)])
    assert kinds(result) == [("unchanged", 1), ("added", 2), ("unchanged", 3)]
    assert result.summary["added"] == 1 and result.summary["moved"] == 0


def test_a_deleted_clause_stays_where_it_stood():
    result = compare([clause(1), clause(2), clause(3)], [clause(1), clause(3)])
    assert kinds(result) == [("unchanged", 1), ("removed", 2), ("unchanged", 3)]


def test_a_moved_clause_is_the_one_out_of_order():
    old = [clause(1), clause(2), clause(3), clause(4)]
    new = [clause(1), clause(3), clause(4), clause(2)]
    result = compare(old, new)
    assert result.summary == {"added": 0, "removed": 0, "moved": 1, "changed": 0}
    assert ("moved", 2) in kinds(result)


def test_a_change_within_a_clause_and_a_heading_only_change():
    old = [clause(1, body="Members and Officers"), clause(2, heading="Trust")]
    new = [clause(1, body="Members and senior Officers"), clause(2, heading="Mutual trust")]
    result = compare(old, new)
    assert kinds(result) == [("changed", 1), ("changed", 2)]
    assert result.summary["changed"] == 2


def test_moved_and_changed_counts_as_both():
    result = compare([clause(1), clause(2)], [clause(2, body="New"), clause(1)])
    assert result.summary["moved"] == 1 and result.summary["changed"] == 1


def test_empty_documents():
    assert compare([], []).changes == []
    assert compare([], [clause(1)]).summary["added"] == 1
    assert compare([clause(1)], []).summary["removed"] == 1
