"""The Verify figure: the access log verified as `peernotes audit verify` does
(`verify_database`), on generated SQLite logs, in a child process of its own so that its peak
memory (and its pool's) is its own: `python -m bench.verify_log URL KEYFILE` prints
`count seconds` and the parent reads the peak from `wait4`."""

from __future__ import annotations

import os
import subprocess  # nosec B404 # reviewed: runs this module in a child, fixed arguments
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.audit_bench import _build_log
from bench.server import ROOT


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    built_seconds: float
    seconds: float
    peak_rss_mb: float

    @property
    def per_second(self) -> float:
        return self.entries / self.seconds


def measure_verify(tmp: Path, entries: int, key: bytes, key_file: Path) -> VerifyResult:
    path = tmp / f"verify-{entries}.sqlite3"
    started = time.perf_counter()
    _build_log(path, entries, key)
    built = time.perf_counter() - started
    process = subprocess.Popen(  # nosec B603 # reviewed: this module, arguments built here
        [sys.executable, "-m", "bench.verify_log", f"sqlite:///{path}", str(key_file)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    path.unlink()
    if process.returncode != 0:
        raise RuntimeError(f"verification of {entries:,} entries failed: {output!r}")
    count, seconds = output.split()
    if int(count) != entries:
        raise RuntimeError(f"verified {count} entries of {entries}")
    # ru_maxrss: kilobytes on Linux; the largest of the child and the children it waited for.
    return VerifyResult(entries, built, float(seconds), usage.ru_maxrss / 1024)


def _main() -> None:
    from peernotes.audit.verify import verify_database
    from peernotes.crypto.keys import audit_chain_key

    url, key_file = sys.argv[1], Path(sys.argv[2])
    timed = verify_database(url, audit_chain_key(key_file))
    if not timed.verdict.ok:
        sys.exit(f"FAILED at {timed.verdict.first_bad_seq}: {timed.verdict.problem}")
    print(timed.verdict.count, timed.seconds)


if __name__ == "__main__":
    _main()
