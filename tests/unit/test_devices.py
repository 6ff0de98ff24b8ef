"""A User-Agent in a few words: what the sessions page shows for each browser."""

from __future__ import annotations

import pytest

from peernotes.auth.devices import UNKNOWN_DEVICE, describe_user_agent


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on Windows",
        ),
        ("", UNKNOWN_DEVICE),
        (None, UNKNOWN_DEVICE),
        ("nonsense", UNKNOWN_DEVICE),
    ],
)
def test_a_user_agent_in_a_few_words(user_agent: str | None, words: str) -> None:
    assert describe_user_agent(user_agent) == words


def test_a_huge_user_agent_is_cut_not_parsed_whole() -> None:
    words = describe_user_agent("Mozilla/5.0 " + "(x" * 500_000)
    assert len(words) <= 80
