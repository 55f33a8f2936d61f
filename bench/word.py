"""How long the Word round trip takes on a 60-clause document (timings printed, never
asserted): the download for suggestions, reading an upload with a tracked change and a
comment in every clause (``read_upload``), building its preview (``make_preview``), and the
whole upload answered as a page.

Run with ``make bench`` (or ``python -m bench.word``). Uses SQLite unless
``BENCH_DATABASE_URL`` names another database.
"""

from __future__ import annotations

import io
import tempfile

from sqlalchemy import select

from app.extensions import db
from app.models import Document
from app.word.preview import make_preview
from app.word.reading import read_upload
from bench import demo_app, signed_in
from bench.imports import CLAUSES, _long_document, _report, _time
from tests.word_files import Change, Remark, marked_up


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = demo_app(directory)
        with app.app_context():
            slug = _long_document()
        print(f"{'step':50} {'median ms':>10} {'max ms':>10}")
        member, token = signed_in(app, "member@example.org")
        base = f"/documents/{slug}/word"
        data = member.get(f"{base}/download").data
        with app.app_context():
            document = db.session.scalar(select(Document).where(Document.slug == slug))
            numbers = [c.number for c in document.clauses]
            words = {c.number: c.body.split()[:2] for c in document.clauses}
        marked = marked_up(
            data,
            changes=[Change(n, words[n][0], words[n][0] + " indeed") for n in numbers],
            comments=[Remark(n, words[n][1], f"A question on clause {n}") for n in numbers],
        )
        print(f"({len(numbers)} clauses, file {len(marked) // 1024} KB)")

        def download(_: int) -> None:
            assert member.get(f"{base}/download").status_code == 200

        def parse(_: int) -> None:
            read_upload(marked)

        def preview(_: int) -> None:
            with app.test_request_context():
                found = make_preview(
                    db.session.scalar(select(Document).where(Document.slug == slug)),
                    read_upload(marked),
                )
                assert found.suggestion_count == len(numbers), found.unplaced
                db.session.rollback()

        def page(_: int) -> None:
            response = member.post(
                f"{base}/upload",
                data={"csrf_token": token, "file": (io.BytesIO(marked), "marked.docx")},
                content_type="multipart/form-data",
            )
            assert response.status_code == 200, response.status_code

        _report(f"download for suggestions ({CLAUSES} clauses)", _time(download))
        _report(f"read the upload ({CLAUSES} clauses, changes, comments)", _time(parse))
        _report(f"read and preview the upload ({CLAUSES} clauses)", _time(preview))
        _report(f"upload answered as the preview page ({CLAUSES} clauses)", _time(page))
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
