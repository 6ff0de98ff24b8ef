"""A browser's User-Agent in a few words a person recognises: "Chrome on Android".

The parsing is ua-parser's (the Browserscope / uap-core rules), not ours. Only the summary is
kept (`LoginSession.device`); the full User-Agent string is not stored.
"""

from __future__ import annotations

from ua_parser import parse

#: What a session shows when the browser said nothing we can name.
UNKNOWN_DEVICE = "Unknown browser"
#: Longer strings are cut (the column holds 80 characters).
_MAX = 80
#: uap-core's "Other" means it did not recognise the thing.
_OTHER = "Other"


def _clean(name: str | None) -> str | None:
    if not name or name == _OTHER:
        return None
    # "Chrome Mobile" and "Mobile Safari" say less than the system does ("on Android").
    for noise in ("Mobile ", " Mobile", " WebView"):
        name = name.replace(noise, "")
    return name.strip() or None


def describe_user_agent(user_agent: str | None) -> str:
    """`Browser on System`, or whichever of the two is known, or `UNKNOWN_DEVICE`."""
    if not user_agent:
        return UNKNOWN_DEVICE
    result = parse(user_agent[:1000])  # the parser's regexes need not see a megabyte
    browser = _clean(result.user_agent.family if result.user_agent else None)
    system = _clean(result.os.family if result.os else None)
    if system == "Mac OS X":
        system = "macOS"
    if browser and system:
        words = f"{browser} on {system}"
    else:
        words = browser or (f"A browser on {system}" if system else UNKNOWN_DEVICE)
    return words[:_MAX]
