"""The service's crisis lines (PEERNOTES_CRISIS_LINES): read robustly, refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import DEFAULT_CRISIS_LINES, Config, ConfigError, CrisisLine, parse_crisis_lines


@pytest.mark.parametrize("raw", [None, "", "   ", " ;\n ; "])
def test_unset_or_blank_means_the_australian_lines(raw: str | None) -> None:
    assert parse_crisis_lines(raw) == DEFAULT_CRISIS_LINES


def test_the_defaults_name_the_australian_numbers() -> None:
    numbers = {line.name.split(" ")[0]: line.number for line in DEFAULT_CRISIS_LINES}
    assert numbers == {
        "Emergency": "000",
        "Lifeline": "13 11 14",
        "Suicide": "1300 659 467",
        "13YARN,": "13 92 76",
        "Beyond": "1300 22 4636",
    }
    assert [line.tel for line in DEFAULT_CRISIS_LINES[:2]] == ["000", "131114"]


def test_a_service_sets_its_own_lines_in_order_with_or_without_hours() -> None:
    raw = (
        " Samaritans | 116 123 | any time ;\n"
        "Local crisis team|(03) 9496-6000|weekdays 9 to 5;"
        "Overseas line|+64  9 522 2999;"
    )
    assert parse_crisis_lines(raw) == (
        CrisisLine("Samaritans", "116 123", "any time"),
        CrisisLine("Local crisis team", "(03) 9496-6000", "weekdays 9 to 5"),
        CrisisLine("Overseas line", "+64 9 522 2999", ""),
    )
    lines = parse_crisis_lines(raw)
    assert [line.tel for line in lines] == ["116123", "0394966000", "+6495222999"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("Lifeline", "line 1 .*Name\\|number\\|when"),
        ("Lifeline|13 11 14|24/7|extra", "line 1 .*Name\\|number\\|when"),
        ("|13 11 14|24/7", "line 1 .*the name is missing"),
        ("Lifeline| |24/7", "line 1 .*the number is missing"),
        ("Lifeline|24/7", "line 1 .*only digits"),
        ("Lifeline|13 11 14;Beyond Blue|call 1300", "line 2 .*only digits"),
        ("Lifeline|13 11+14", "line 1 .*leading \\+"),
    ],
)
def test_a_malformed_line_is_refused_naming_the_variable_and_the_line(raw: str, says: str) -> None:
    with pytest.raises(ConfigError, match=f"PEERNOTES_CRISIS_LINES, {says}"):
        parse_crisis_lines(raw)


def test_bad_crisis_lines_stop_the_app_at_startup(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("s" * 40)
    (tmp_path / "master.key").write_text("ab" * 32)
    (tmp_path / "audit_signing_key.pem").write_text("unused here")
    env = {"PEERNOTES_INSTANCE_PATH": str(tmp_path)}
    assert Config.from_env(env).crisis_lines == DEFAULT_CRISIS_LINES
    custom = Config.from_env({**env, "PEERNOTES_CRISIS_LINES": "Samaritans|116 123|any time"})
    assert custom.crisis_lines == (CrisisLine("Samaritans", "116 123", "any time"),)
    with pytest.raises(ConfigError, match="PEERNOTES_CRISIS_LINES"):
        Config.from_env({**env, "PEERNOTES_CRISIS_LINES": "Samaritans"})
