"""`make audit-code` (bandit, as `.ci/run` runs it) fails on a new finding of high or medium
severity, passes low ones and reviewed exceptions; `make audit-pip` fails on a known
vulnerability, and on a package it could not check when the audit is required; the pip-audit
ignore list stays reviewed."""

from __future__ import annotations

import os
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


# pip-audit's verdicts, as `.ci/audit-pip` reads them: (what it prints, its exit status).
FOUND = ("Found 1 known vulnerability in 1 package\nName Version ID\nflask 0.1 PYSEC-0000-1", 1)
UNCHECKED = ("ERROR: aiosmtpd: Dependency not found and could not be audited", 1)
CLEAN = ("No known vulnerabilities found", 0)


def _audit_pip(tmp_path: Path, says: tuple[str, int], required: bool) -> int:
    fake = tmp_path / "pip-audit"
    fake.write_text(f"#!/bin/sh\ncat <<'EOF'\n{says[0]}\nEOF\nexit {says[1]}\n")
    fake.chmod(0o755)
    env = {**os.environ, "PEERNOTES_PIP_AUDIT": str(fake)}
    env["PEERNOTES_REQUIRE_PIP_AUDIT"] = "1" if required else "0"
    done = subprocess.run(
        ["bash", ".ci/audit-pip"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode


@pytest.mark.parametrize(
    ("says", "required", "fails"),
    [
        (FOUND, False, True),  # a known vulnerability fails, always
        (FOUND, True, True),
        (UNCHECKED, True, True),  # nothing audited: fails where the audit is required
        (UNCHECKED, False, False),  # ...and only reports where the service cannot be reached
        (CLEAN, True, False),
    ],
)
def test_audit_pip_fails_on_a_known_vulnerability_and_on_an_unchecked_package_when_required(
    tmp_path: Path, says: tuple[str, int], required: bool, fails: bool
) -> None:
    assert (_audit_pip(tmp_path, says, required) != 0) is fails
