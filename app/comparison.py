"""Comparing two texts of a document clause by clause: which clauses were added, removed, moved
and changed (``compare``), and word-level redlines inside the changed ones (``comparison_context``,
with ``app.diff``). Used by the compare page, the committee's review and the exports."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.diff import redline, redline_inline, summarise
from app.text import same_text


@dataclass
class ClauseChange:
    kind: str  # "added", "removed", "changed", "moved", "moved and changed", "unchanged"
    old: dict | None
    new: dict | None

    @property
    def is_change(self) -> bool:
        return self.kind != "unchanged"


@dataclass
class Comparison:
    changes: list[ClauseChange] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if kind in change.kind.split(" and "))

    @property
    def summary(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in ("added", "removed", "moved", "changed")}


def _longest_common_order(old_ids: list[int], new_ids: list[int]) -> set[int]:
    """Ids that keep their relative order (longest common subsequence); the rest moved."""
    lengths = [[0] * (len(new_ids) + 1) for _ in range(len(old_ids) + 1)]
    for i, a in enumerate(old_ids):
        for j, b in enumerate(new_ids):
            lengths[i + 1][j + 1] = (
                lengths[i][j] + 1 if a == b else max(lengths[i][j + 1], lengths[i + 1][j])
            )
    kept, i, j = set(), len(old_ids), len(new_ids)
    while i and j:
        if old_ids[i - 1] == new_ids[j - 1]:
            kept.add(old_ids[i - 1])
            i, j = i - 1, j - 1
        elif lengths[i - 1][j] >= lengths[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return kept


def compare(old_clauses: list[dict], new_clauses: list[dict]) -> Comparison:
    """Added, removed, moved and changed clauses between two texts, in the new text's order
    (removed clauses where they stood)."""
    old_by_id = {c["id"]: c for c in old_clauses}
    new_by_id = {c["id"]: c for c in new_clauses}
    common_old = [c["id"] for c in old_clauses if c["id"] in new_by_id]
    common_new = [c["id"] for c in new_clauses if c["id"] in old_by_id]
    in_order = _longest_common_order(common_old, common_new)
    comparison = Comparison()
    removed = [c for c in old_clauses if c["id"] not in new_by_id]
    for clause in new_clauses:
        old = old_by_id.get(clause["id"])
        while (
            removed and old is not None and (old_clauses.index(removed[0]) < old_clauses.index(old))
        ):
            comparison.changes.append(ClauseChange("removed", removed.pop(0), None))
        if old is None:
            comparison.changes.append(ClauseChange("added", None, clause))
            continue
        changed = not (
            same_text(old["heading"], clause["heading"]) and same_text(old["body"], clause["body"])
        )
        moved = clause["id"] not in in_order
        kind = (
            " and ".join(k for k, on in (("moved", moved), ("changed", changed)) if on)
            or "unchanged"
        )
        comparison.changes.append(ClauseChange(kind, old, clause))
    comparison.changes.extend(ClauseChange("removed", c, None) for c in removed)
    return comparison


def comparison_context(old: list[dict], new: list[dict]) -> dict:
    """Clause-level changes with word-level redlines inside changed clauses."""
    comparison = compare(old, new)
    redlines = {
        change.new["id"]: {
            "heading": redline_inline(change.old["heading"], change.new["heading"]),
            "body": redline(change.old["body"], change.new["body"]),
            "summary": summarise(change.old["body"], change.new["body"]),
        }
        for change in comparison.changes
        if "changed" in change.kind and change.old is not None and change.new is not None
    }
    return {"comparison": comparison, "redlines": redlines}
