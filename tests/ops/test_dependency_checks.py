"""`make audit-code` (bandit, as `.ci/run` runs it) fails on a new finding of high or medium
severity, passes low ones and reviewed exceptions; the pip-audit ignore list stays reviewed."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PLANTED = {
    "high": "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n",
    "medium": "def find(db, name):\n    return db.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n",
}


def _audit_code(path: Path) -> subprocess.CompletedProcess[str]:
    # BANDIT_PATHS points the very target `.ci/run` calls at one file, with its flags and config.
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "audit-code", f"BANDIT_PATHS={path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("severity", ["high", "medium"])
def test_a_planted_finding_fails_the_step(tmp_path: Path, severity: str) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(PLANTED[severity])
    result = _audit_code(planted)
    assert result.returncode != 0, result.stdout + result.stderr
    assert f"Severity: {severity.title()}" in result.stdout


def test_low_findings_and_reviewed_exceptions_pass(tmp_path: Path) -> None:
    fine = tmp_path / "fine.py"
    fine.write_text(
        "import subprocess\n\n\n"
        "def run(cmd):\n"
        "    assert cmd  # low severity: reported by a full bandit run, not failing\n"
        "    return subprocess.call(cmd, shell=True)  # nosec B602 # reviewed: a test's own\n"
    )
    result = _audit_code(fine)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_ignored_vulnerability_has_a_date_and_a_reason() -> None:
    entries = [
        line.split("#", 1)[0].strip()
        for line in (ROOT / ".ci" / "pip-audit-ignore.txt").read_text().splitlines()
    ]
    for entry in filter(None, entries):
        match = re.fullmatch(r"(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(.{10,})", entry)
        assert match, f"write `<id> <YYYY-MM-DD> <reason>`, not {entry!r}"
        assert date.fromisoformat(match.group(2)) <= date.today()
