"""One template serves a page and its htmx fragments (named blocks, via jinja2-fragments)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, make_response, render_template
from jinja2_fragments.flask import render_block, render_blocks

from app.extensions import is_htmx_request


def render(
    template: str,
    *,
    block: str | None = None,
    blocks: list[str] | None = None,
    status: int = 200,
    **context,
) -> Response:
    """The whole page, or only ``block`` (or ``blocks``, for out-of-band swaps) when htmx asks
    for a fragment. Always varies on HX-Request."""
    if blocks is not None and is_htmx_request():
        html = render_blocks(template, blocks, **context)
    elif block is not None and is_htmx_request():
        html = render_block(template, block, **context)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def render_fragments(parts: list[tuple[str, str]], *, status: int = 200, **context) -> Response:
    """Several named blocks, possibly of different templates, for one htmx response."""
    html = "".join(render_block(template, block, **context) for template, block in parts)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirects, and
    nothing that cannot go in a ``Location`` header: control characters or over 2,000
    characters)."""
    if not target or len(target) > 2000:
        return default
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
