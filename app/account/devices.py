"""A browser's User-Agent header as a person recognises it: "Chrome 120 on Windows 10"."""

from __future__ import annotations

from functools import lru_cache

UNKNOWN = "Unknown browser"


@lru_cache(maxsize=512)
def describe_device(user_agent: str | None) -> str:
    """'Firefox 121 on Ubuntu', 'Mobile Safari 17 on iOS 17 (iPhone)', or 'Unknown browser'
    for a missing or unrecognised header (ua-parser's regexes, uap-core)."""
    if not user_agent:
        return UNKNOWN
    from ua_parser import parse  # here, not at start-up: only the sessions list needs it

    result = parse(user_agent)
    browser = result.user_agent
    name = UNKNOWN
    if browser is not None and browser.family != "Other":
        name = f"{browser.family} {browser.major}" if browser.major else browser.family
    system = result.os
    if system is not None and system.family != "Other":
        name += f" on {system.family} {system.major}" if system.major else f" on {system.family}"
    device = result.device
    if device is not None and device.family not in ("Other", "Spider") and device.model:
        name += f" ({device.model})"
    return name
