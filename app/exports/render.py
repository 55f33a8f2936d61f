"""One entry point for every export format."""

from __future__ import annotations

MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv",
    "json": "application/json",
}
DOCUMENT_FORMATS = ("docx", "pdf", "md", "html")


def render_export(
    subject, fmt: str, *, css_href: str | None = None, table: str | None = None
) -> bytes | str:
    """``subject`` is an ExportModel for documents, rows (csv) or a dict (json) for open data.

    HTML needs an app context (it is a Jinja template); the others do not.
    """
    from app.exports.model import ExportModel  # with the exporters: only when one is made

    if fmt in DOCUMENT_FORMATS and not isinstance(subject, ExportModel):
        raise TypeError("documents are exported from an ExportModel")
    if fmt == "docx":
        from app.exports.docx import render_docx

        return render_docx(subject)
    if fmt == "pdf":
        from app.exports.printing import render_pdf

        return render_pdf(subject)
    if fmt == "md":
        from app.exports.markdown_export import render_markdown_export

        return render_markdown_export(subject)
    if fmt == "html":
        from app.exports.printing import render_print_html

        if css_href is None:
            raise TypeError("an HTML export needs css_href")
        return render_print_html(subject, css_href)
    from app.exports.opendata import OPEN_DATA_TABLES, to_csv, to_json

    if fmt == "csv":
        if table is None:
            raise TypeError("a CSV export needs the table")
        return to_csv(subject, OPEN_DATA_TABLES[table])
    if fmt == "json":
        return to_json(subject)
    raise ValueError(f"unknown export format {fmt!r}")
