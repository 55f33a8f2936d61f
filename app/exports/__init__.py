"""Exports of a document or a published version: Word, PDF, Markdown, HTML and open data."""

from flask import Blueprint

bp = Blueprint("exports", __name__)

from app.exports import routes  # noqa: E402,F401
