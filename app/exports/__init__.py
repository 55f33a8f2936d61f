"""Exports of a document or a published version: Word, PDF, Markdown, HTML and open data."""
