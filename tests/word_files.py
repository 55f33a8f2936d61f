"""Word files for tests: mark up a .docx downloaded for suggestions as Word does.

``marked_up(docx, changes=[...], comments=[...])`` returns the file with tracked changes
(``w:del`` holding ``w:delText`` runs followed by a ``w:ins`` run, with ``w:id``,
``w:author`` and ``w:date`` as Word writes them) and comments (``word/comments.xml``, its
relationship and content type, and ``w:commentRangeStart``/``w:commentRangeEnd`` around the
words followed by a ``w:commentReference`` run). ``untracked`` edits text in place, and
``repacked`` adds, replaces or drops zip entries (macros, external references, bombs).
"""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
COMMENTS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
DATE = "2026-03-02T10:15:00Z"


def w(name: str) -> str:
    return f"{{{W}}}{name}"


@dataclass
class Change:
    """In clause ``clause`` (its number), replace ``old`` by ``new`` as a tracked change; with
    ``old=""``, insert ``new`` just after the words ``after`` (or, given ``before``, just
    before those words: at the start of a paragraph when they begin it). ``heading=True``
    looks in the heading paragraph."""

    clause: str
    old: str
    new: str
    author: str = "Jo Bloggs"
    after: str = ""
    heading: bool = False
    before: str = ""


@dataclass
class Remark:
    """A Word comment by ``author`` on the words ``words`` of clause ``clause``."""

    clause: str
    words: str
    text: str
    author: str = "Sam Patel"


def entries(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as source:
        return {name: source.read(name) for name in source.namelist()}


def pack(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def repacked(
    docx: bytes, *, put: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()
) -> bytes:
    parts = {k: v for k, v in entries(docx).items() if k not in drop}
    parts.update(put or {})
    return pack(parts)


def _xml(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _clause_paragraphs(root, number: str) -> list:
    for sdt in root.iter(w("sdt")):
        alias = sdt.find(f"{w('sdtPr')}/{w('alias')}")
        if alias is not None and alias.get(w("val")) == f"Clause {number}":
            return list(sdt.find(w("sdtContent")).iter(w("p")))
    raise AssertionError(f"no clause {number} in the file")


def _runs(paragraph) -> list:
    return [r for r in paragraph if r.tag == w("r") and r.find(w("t")) is not None]


def _text(run) -> str:
    return "".join(t.text or "" for t in run.iter(w("t")))


def _run_like(run, text: str, tag: str = "t"):
    made = etree.SubElement(etree.Element("x"), w("r"))
    properties = run.find(w("rPr"))
    if properties is not None:
        made.append(copy.deepcopy(properties))
    element = etree.SubElement(made, w(tag))
    element.text = text
    element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return made


def _split(paragraph, at: int) -> None:
    """Split the run holding character ``at`` so a run starts there."""
    position = 0
    for run in _runs(paragraph):
        text = _text(run)
        if position < at < position + len(text):
            cut = at - position
            before, after = _run_like(run, text[:cut]), _run_like(run, text[cut:])
            run.addprevious(before)
            run.addprevious(after)
            paragraph.remove(run)
            return
        position += len(text)


def _span(paragraph, start: int, end: int) -> list:
    """The runs covering characters start..end, split at both ends."""
    _split(paragraph, start)
    _split(paragraph, end)
    found, position = [], 0
    for run in _runs(paragraph):
        length = len(_text(run))
        if start <= position and position + length <= end and length:
            found.append(run)
        position += length
    return found


def _find(paragraphs, words: str):
    for paragraph in paragraphs:
        text = "".join(_text(r) for r in _runs(paragraph))
        at = text.find(words)
        if at >= 0:
            return paragraph, at
    raise AssertionError(f"{words!r} not found")


class _Ids:
    def __init__(self):
        self.next = 100

    def __call__(self) -> str:
        self.next += 1
        return str(self.next)


def _tracked(tag: str, author: str, ids: _Ids):
    element = etree.Element(w(tag))
    element.set(w("id"), ids())
    element.set(w("author"), author)
    element.set(w("date"), DATE)
    return element


def _apply_change(root, change: Change, ids: _Ids) -> None:
    paragraphs = _clause_paragraphs(root, change.clause)
    paragraphs = paragraphs[:1] if change.heading else paragraphs[1:]
    if change.old:
        paragraph, at = _find(paragraphs, change.old)
        runs = _span(paragraph, at, at + len(change.old))
        deleted = _tracked("del", change.author, ids)
        runs[0].addprevious(deleted)
        for run in runs:
            for text in run.findall(w("t")):
                text.tag = w("delText")
            deleted.append(run)
        anchor, model = deleted, runs[0]
    elif change.before:
        paragraph, at = _find(paragraphs, change.before)
        _split(paragraph, at)
        runs, position, model = _runs(paragraph), 0, None
        for run in runs:
            if position == at:
                model = run
                break
            position += len(_text(run))
        assert model is not None
        if change.new:
            inserted = _tracked("ins", change.author, ids)
            inserted.append(_run_like(model, change.new))
            model.addprevious(inserted)
        return
    else:
        paragraph, at = _find(paragraphs, change.after)
        end = at + len(change.after)
        _split(paragraph, end)
        position, anchor = 0, None
        for run in _runs(paragraph):
            position += len(_text(run))
            if position == end:
                anchor = run
                break
        assert anchor is not None
        model = anchor
    if change.new:
        inserted = _tracked("ins", change.author, ids)
        inserted.append(_run_like(model, change.new))
        anchor.addnext(inserted)


def _apply_remark(root, comments, remark: Remark, ids: _Ids) -> None:
    comment_id = ids()
    paragraph, at = _find(_clause_paragraphs(root, remark.clause)[1:], remark.words)
    runs = _span(paragraph, at, at + len(remark.words))
    start = etree.Element(w("commentRangeStart"))
    start.set(w("id"), comment_id)
    end = etree.Element(w("commentRangeEnd"))
    end.set(w("id"), comment_id)
    runs[0].addprevious(start)
    runs[-1].addnext(end)
    reference = etree.Element(w("r"))
    style = etree.SubElement(etree.SubElement(reference, w("rPr")), w("rStyle"))
    style.set(w("val"), "CommentReference")
    etree.SubElement(reference, w("commentReference")).set(w("id"), comment_id)
    end.addnext(reference)
    comment = etree.SubElement(comments, w("comment"))
    comment.set(w("id"), comment_id)
    comment.set(w("author"), remark.author)
    comment.set(w("date"), DATE)
    comment.set(w("initials"), "".join(part[0] for part in remark.author.split()))
    for line in remark.text.split("\n\n"):
        text = etree.SubElement(etree.SubElement(etree.SubElement(comment, w("p")), w("r")), w("t"))
        text.text = line


def marked_up(docx: bytes, changes=(), comments=()) -> bytes:
    """``docx`` with the tracked changes and comments made as Word makes them."""
    parts = entries(docx)
    root = _xml(parts["word/document.xml"])
    ids = _Ids()
    for change in changes:
        _apply_change(root, change, ids)
    if comments:
        holder = etree.Element(w("comments"), nsmap={"w": W})
        for remark in comments:
            _apply_remark(root, holder, remark, ids)
        parts["word/comments.xml"] = etree.tostring(holder, xml_declaration=True, encoding="UTF-8")
        rels = _xml(parts["word/_rels/document.xml.rels"])
        rel = etree.SubElement(rels, f"{{{PKG_RELS}}}Relationship")
        rel.set("Id", "rIdComments1")
        rel.set("Type", COMMENTS_REL)
        rel.set("Target", "comments.xml")
        parts["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True)
        types = _xml(parts["[Content_Types].xml"])
        override = etree.SubElement(types, f"{{{CT}}}Override")
        override.set("PartName", "/word/comments.xml")
        override.set("ContentType", COMMENTS_TYPE)
        parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return pack(parts)


def untracked(docx: bytes, clause: str, old: str, new: str) -> bytes:
    """``docx`` with ``old`` typed over as ``new`` in clause ``clause`` without Track Changes."""
    parts = entries(docx)
    root = _xml(parts["word/document.xml"])
    paragraph, at = _find(_clause_paragraphs(root, clause)[1:], old)
    runs = _span(paragraph, at, at + len(old))
    runs[0].find(w("t")).text = new
    for run in runs[1:]:
        paragraph.remove(run)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return pack(parts)


def edited_xml(docx: bytes, name: str, edit) -> bytes:
    """``docx`` with the XML entry ``name`` changed by ``edit(root)``."""
    parts = entries(docx)
    root = _xml(parts[name])
    edit(root)
    parts[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return pack(parts)
