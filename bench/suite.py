"""`make bench`: every benchmark of issue 15 against a real gunicorn server on loopback, on
SQLite and on PostgreSQL (a fresh database per run, dropped after), printed as one table with
the commit, the versions and the core count.

How it measures:
- The server is `gunicorn -c gunicorn.conf.py wsgi:app` with `PEERNOTES_ENV=production` (JSON
  log lines, secure cookies, which a loopback client sends anyway), as the README's
  "Running on PostgreSQL under gunicorn" sets it up; `PEERNOTES_SERVER_TIMING=1`; the
  sign-in limits raised (R7 measures logins, not the limiter).
- Load is wrk (`--latency` where percentiles are shown); the session cookie goes in a header,
  and a Lua hook counts every answer that is not a 200 (any is an error: a lost session
  would answer 302, which wrk counts as success).
- Each ratio compares two endpoints measured in the same run, in interleaved rounds
  (A, B, A, B, ...), as the median of the per-round ratios. Where the two sides are two servers
  (1 vs 2 workers; 100,000 vs 1,000,000 notes) both run at once and the rounds alternate
  between them; an idle server costs nothing.

Sizes: SQLite at the issue's full size (10,000 consumers, 1,000,000 notes; R2 beside 100,000);
PostgreSQL at 100,000 notes (R2 beside 10,000), because generating a million notes there
takes longer than the whole run may (`--pg-notes 1000000` for the full size). The Verify
figure is on SQLite (its logs are built fast), 10,000,000 entries beside 1,000,000.
`--quick` is a small run (a few minutes). See `--help`. PostgreSQL is reached as
PEERNOTES_BENCH_PG_ADMIN_URL (default postgres@127.0.0.1:5432, trust authentication).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess  # nosec B404 # reviewed: git rev-parse, fixed arguments
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.appends import measure_appends
from bench.common import PG_ADMIN, postgres_databases
from bench.data import Dataset, cli_env, generator_available, prepare_data
from bench.measure import (
    WrkResult,
    goal_mark,
    interleaved_order,
    median_ratio,
    median_share,
    parse_server_timing,
)
from bench.server import (
    ROOT,
    Client,
    Server,
    gunicorn,
    must_be_ok,
    run_wrk,
    server_env,
    sign_in,
    wrk_version,
)
from bench.verify_log import VerifyResult, measure_verify
from config import MASTER_KEY_FILE_NAME, init_dev_secrets
from peernotes.crypto.keys import audit_chain_key

ENGINES = ("SQLite", "PostgreSQL")


@dataclass(frozen=True)
class Target:
    server: Server
    path: str
    cookie: str
    connections: int = 4


@dataclass
class Row:
    figure: str
    goal: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    rows: dict[str, Row] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, figure: str, goal: str, engine: str, value: str) -> None:
        self.rows.setdefault(key, Row(figure, goal)).values[engine] = value


def interleave(
    targets: Mapping[str, Target], *, rounds: int, seconds: float, latency: bool = False
) -> dict[str, list[WrkResult]]:
    """wrk on each target in turn, `rounds` times, after a one-second warm-up of each."""
    for target in targets.values():
        run_wrk(
            target.server,
            target.path,
            cookie=target.cookie,
            seconds=1,
            connections=target.connections,
        )
    results: dict[str, list[WrkResult]] = {key: [] for key in targets}
    for key in interleaved_order(list(targets), rounds):
        t = targets[key]
        results[key].append(
            run_wrk(
                t.server,
                t.path,
                cookie=t.cookie,
                seconds=seconds,
                connections=t.connections,
                latency=latency,
            )
        )
    return results


def rates(results: list[WrkResult]) -> list[float]:
    return [r.requests_per_second for r in results]


def percentile(results: list[WrkResult], p: int) -> float:
    return statistics.median(r.latency_ms[p] for r in results)


# The figures ---------------------------------------------------------------------------------


def governed_read(report: Report, engine: str, data: Dataset, one: Server, args: Any) -> int:
    """R1: the note page, as its consumer and as their peer worker, ÷ /health (1 worker)."""
    if not data.note_ids:
        raise RuntimeError(f"{data.consumer_email} has no shared note to read")
    consumer = sign_in(one, data.consumer_email, data.password)
    worker = sign_in(one, data.worker_email, data.password, data.totp_secret(data.worker_email))
    note = next(
        (n for n in data.note_ids if worker.get(f"/notes/{n}").status == 200), data.note_ids[0]
    )
    must_be_ok(consumer, f"/notes/{note}")
    must_be_ok(worker, f"/notes/{note}")
    if note in data.worker_wrote:
        report.notes.append(
            f"{engine}: R1's peer worker reads the note as its author (no note of the "
            "consumer's by someone else was readable to them)"
        )
    found = interleave(
        {
            "consumer": Target(one, f"/notes/{note}", consumer.cookie_header()),
            "worker": Target(one, f"/notes/{note}", worker.cookie_header()),
            "health": Target(one, "/health", ""),
        },
        rounds=args.rounds,
        seconds=args.seconds,
    )
    health = rates(found["health"])
    for key, who in (("consumer", "a consumer's own note"), ("worker", "peer worker, consented")):
        ratio = median_ratio(rates(found[key]), health)
        report.put(
            f"R1 {key}",
            f"R1 {who} ÷ /health, 1 worker",
            ">= 0.35",
            engine,
            f"{ratio:.2f} ({statistics.median(rates(found[key])):.0f} ÷ "
            f"{statistics.median(health):.0f} req/s) {goal_mark(ratio >= 0.35)}",
        )
    return note


def scaling(
    report: Report, engine: str, data: Dataset, one: Server, two: Server, note: int, args: Any
) -> None:
    """R5: the governed read on 2 workers ÷ on 1 worker, and the serialized share."""
    consumer = sign_in(one, data.consumer_email, data.password)
    cookie = consumer.cookie_header()
    found = interleave(
        {
            "one": Target(one, f"/notes/{note}", cookie),
            "two": Target(two, f"/notes/{note}", cookie),
        },
        rounds=args.rounds,
        seconds=args.seconds,
    )
    ratio = median_ratio(rates(found["two"]), rates(found["one"]))
    goal = 1.85 if engine == "PostgreSQL" else 1.5
    report.put(
        "R5 scale",
        "R5 governed read, 2 workers ÷ 1 worker",
        ">= 1.85 PG, >= 1.5 SQLite",
        engine,
        f"{ratio:.2f} ({statistics.median(rates(found['two'])):.0f} ÷ "
        f"{statistics.median(rates(found['one'])):.0f} req/s) {goal_mark(ratio >= goal)}",
    )
    # The serialized share: sequential reads on the 1-worker server, timed by the server.
    rounds: list[list[dict[str, float]]] = []
    for _ in range(args.rounds):
        samples = []
        for _ in range(max(1, args.timing_samples // args.rounds)):
            answer = consumer.get(f"/notes/{note}")
            if answer.status != 200:
                raise RuntimeError(f"note read answered {answer.status}")
            samples.append(parse_server_timing(answer.headers.get("Server-Timing")))
        rounds.append(samples)
    share = median_share(rounds)
    report.put(
        "R5 serial",
        f"R5 serialized share, sum(serial) ÷ sum(app) of {args.timing_samples} sequential reads "
        "(median of rounds), 1 worker",
        "< 2 %",
        engine,
        "n/a (no Server-Timing)"
        if share is None
        else f"{share * 100:.2f} % {goal_mark(share < 0.02)}",
    )
    consumer.close()


def caseload(report: Report, engine: str, data: Dataset, two: Server, args: Any) -> None:
    """R3: a worker's caseload home and /health, p50 and p99 at 8 connections (2 workers)."""
    worker = sign_in(two, data.worker_email, data.password, data.totp_secret(data.worker_email))
    must_be_ok(worker, "/")
    found = interleave(
        {
            "home": Target(two, "/", worker.cookie_header(), connections=8),
            "health": Target(two, "/health", "", connections=8),
        },
        rounds=args.rounds,
        seconds=args.seconds,
        latency=True,
    )
    p99 = percentile(found["home"], 99)
    report.put(
        "R3",
        "R3 worker's caseload home, p50 / p99 ms, 8 clients, 2 workers (/health beside)",
        "p99 < 25 ms",
        engine,
        f"{percentile(found['home'], 50):.1f} / {p99:.1f} "
        f"(health {percentile(found['health'], 50):.1f} / "
        f"{percentile(found['health'], 99):.1f}) {goal_mark(p99 < 25)}",
    )


def timeline(
    report: Report,
    engine: str,
    big: Dataset,
    full: Server,
    small: Dataset,
    small_server: Server,
    args: Any,
) -> None:
    """R2: a consumer's first timeline page with 10x the notes ÷ 1x, two servers side by side."""
    targets = {}
    for key, data, server in (("big", big, full), ("small", small, small_server)):
        consumer = sign_in(server, data.consumer_email, data.password)
        path = f"/people/{data.consumer_id}/timeline"
        must_be_ok(consumer, path)
        targets[key] = Target(server, path, consumer.cookie_header())
    found = interleave(targets, rounds=args.rounds, seconds=args.seconds)
    # Time per request at 10x ÷ at 1x: the rates inverted.
    ratio = median_ratio(rates(found["small"]), rates(found["big"]))
    report.put(
        "R2",
        "R2 consumer's first timeline page, t(big) ÷ t(small)",
        "<= 1.2",
        engine,
        f"{ratio:.2f} ({big.notes:,} vs {small.notes:,} notes) {goal_mark(ratio <= 1.2)}",
    )


def logins(report: Report, engine: str, data: Dataset, server: Server, args: Any) -> None:
    """R7: logins per second, the password step, a fresh client per login, 4 at a time."""
    count = [0]
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds * 2

    def loop() -> None:
        while time.monotonic() < stop:
            client = Client(server)
            try:
                answer = client.post_form(
                    "/login", "/login", {"email": data.consumer_email, "password": data.password}
                )
                ok = answer.status == 302 and "/login" not in answer.headers.get("Location", "")
            finally:
                client.close()
            with lock:
                (count if ok else failures)[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=loop) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    per_second = count[0] / (time.monotonic() - started)
    report.put(
        "R7 logins",
        f"R7 logins/s (password step, fresh client each, 4 at once, {server.workers} workers)",
        "(reported)",
        engine,
        f"{per_second:.1f}" + (f" ({failures[0]} FAILED)" if failures[0] else ""),
    )


def argon2_verify_ms(samples: int) -> float:
    """The app's own hasher: the median time of one verification."""
    from peernotes.auth.passwords import hash_password, verify_password

    stored = hash_password("bench-password-argon2-2026")
    spent = []
    for _ in range(samples):
        started = time.perf_counter()
        assert verify_password(stored, "bench-password-argon2-2026")
        spent.append(time.perf_counter() - started)
    return statistics.median(spent) * 1000


def main_pages(report: Report, engine: str, url: str, instance: Path) -> None:
    """R4: queries per request of every main page of every role (`bench.main_pages`, which
    opens them as the demo's people: `url` holds the demo service)."""
    try:
        from bench.main_pages import queries_per_page
    except ImportError:
        report.put("R4", "R4 queries per main page", "constant", engine, "n/a (no main_pages)")
        note = "R4: bench/main_pages.py (queries_per_page) is not in this checkout."
        if note not in report.notes:
            report.notes.append(note)
        return
    from config import Config
    from peernotes import create_app
    from peernotes.db import get_database

    app = create_app(Config.from_env(cli_env(url, instance)))
    try:
        counted = list(queries_per_page(app))
    except Exception as exc:  # a bench figure that failed is shown, not hidden
        report.put("R4", "R4 queries per main page", "constant", engine, f"failed: {exc!r}")
        return
    finally:
        get_database(app).engine.dispose()
    numbers = [int(c[-1]) for c in counted]
    report.put(
        "R4",
        "R4 queries per request, main pages of every role (demo service): max, median",
        "constant in size (tests)",
        engine,
        f"{max(numbers)}, {statistics.median(numbers):g} over {len(numbers)} pages",
    )
    by_role: dict[str, list[str]] = {}
    for c in counted:
        by_role.setdefault(_role(c[0]), []).append(f"{c[1]} {c[-1]}")
    report.notes.append(
        f"R4 {engine}, queries per request:\n"
        + "\n".join(f"    {role}: {', '.join(pages)}" for role, pages in by_role.items())
    )


def _role(role: object) -> str:
    return str(getattr(role, "value", role))


def appends(report: Report, engine: str, url: str, key_file: Path, args: Any) -> None:
    """R8: logged actions per second, two processes, 8 writers in all."""
    result = measure_appends(url, key_file, writers=8, per_writer=args.appends)
    goal = 3000 if engine == "PostgreSQL" else 1500
    report.put(
        "R8",
        f"R8 logged actions/s, 2 processes, 8 writers, {8 * args.appends:,} actions",
        ">= 3,000 PG, >= 1,500 SQLite; lost 0",
        engine,
        f"{result.per_second:,.0f}; lost {result.lost}; failed {result.failed}; chain "
        f"{'verifies' if result.chain_ok and result.gapless else 'BROKEN'} "
        f"{goal_mark(result.per_second >= goal and result.lost == 0 and result.chain_ok)}",
    )


def peak_rss(report: Report, engine: str, servers: list[Server]) -> None:
    """R6: the peak RSS (VmHWM) of every worker after everything above: the largest, and the
    smallest beside it."""
    peaks = [p for s in servers for p in s.peak_rss_mb()]
    top = max(peaks)
    report.put(
        "R6",
        "R6 peak RSS per worker after the bench, MB: largest (smallest)",
        "< 150 MB",
        engine,
        f"{top:.1f} ({min(peaks):.1f}; {len(peaks)} workers) {goal_mark(top < 150)}",
    )


# One engine ------------------------------------------------------------------------------------


@contextmanager
def databases(engine: str, tmp: Path, count: int) -> Iterator[list[str] | None]:
    if engine == "SQLite":
        yield [f"sqlite:///{tmp / f'bench-{n}.sqlite3'}" for n in range(count)]
    else:
        with postgres_databases(count) as urls:
            yield urls


def bench_engine(report: Report, engine: str, tmp: Path, args: Any) -> None:
    folder = tmp / engine.lower()
    instance = folder / "instance"
    init_dev_secrets(instance)
    key_file = instance / MASTER_KEY_FILE_NAME
    sized = generator_available()
    notes = args.notes if engine == "SQLite" else args.pg_notes
    small_notes = max(1, notes // 10)
    # The service measured, R8's empty log, and when generated: R2's smaller service and
    # the demo service for R4's pages.
    with databases(engine, folder, 4 if sized else 2) as urls:
        if urls is None:
            report.notes.append(f"{engine}: no server at {PG_ADMIN}; not run.")
            return
        started = time.perf_counter()
        data = prepare_data(urls[0], args.consumers, notes, args.seed, instance=instance)
        report.notes.append(
            f"{engine}: data "
            + (
                f"generated ({data.consumers:,} consumers, {data.notes:,} notes; migration "
                "included) in "
                if data.generated
                else "of `peernotes demo load` (no generator in this checkout) in "
            )
            + f"{data.seconds:.0f} s"
        )
        small = None
        if sized:
            # A tenth of the service: a tenth of the people as well as of the notes, so that
            # each person has as many notes in both and their first page holds as many items
            # (with the same people, the small service's pages would be part-empty, and the
            # ratio would measure a fuller page, not a bigger service).
            small = prepare_data(
                urls[2], max(1, args.consumers // 10), small_notes, args.seed, instance=instance
            )
            report.notes.append(
                f"{engine}: R2's small service ({small.consumers:,} consumers, "
                f"{small.notes:,} notes) in {small.seconds:.0f} s"
            )
        log = folder / "gunicorn.log"
        with ExitStack() as stack:
            env = server_env(data.url, instance)
            one = stack.enter_context(gunicorn(env, 1, "1 worker", log))
            two = stack.enter_context(gunicorn(env, 2, "2 workers", log))
            servers = [one, two]
            step(engine, "R1 governed read")
            note = governed_read(report, engine, data, one, args)
            step(engine, "R5 scaling and serialized share")
            scaling(report, engine, data, one, two, note, args)
            step(engine, "R3 caseload home")
            caseload(report, engine, data, two, args)
            if small is not None:
                step(engine, "R2 timeline")
                small_server = stack.enter_context(
                    gunicorn(server_env(small.url, instance), 1, "small", log)
                )
                servers.append(small_server)
                timeline(report, engine, data, one, small, small_server, args)
            else:
                report.put(
                    "R2",
                    "R2 consumer's first timeline page, t(big) ÷ t(small)",
                    "<= 1.2",
                    engine,
                    "n/a (needs peernotes demo generate)",
                )
            step(engine, "R7 logins")
            logins(report, engine, data, two, args)
            peak_rss(report, engine, servers)
        step(engine, "R4 queries per page")
        if sized:
            prepare_data(urls[3], 0, 0, args.seed, instance=instance, demo=True)
        main_pages(report, engine, urls[3] if sized else data.url, instance)
        step(engine, "R8 logged actions")
        appends(report, engine, urls[1], key_file, args)
        step(engine, f"done in {time.perf_counter() - started:.0f} s")


def step(engine: str, what: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {engine}: {what}", flush=True)


# Verify, versions, the table -------------------------------------------------------------------


def verification(report: Report, tmp: Path, args: Any) -> None:
    init_dev_secrets(tmp / "verify")
    key_file = tmp / "verify" / MASTER_KEY_FILE_NAME
    key = audit_chain_key(key_file)
    results: list[VerifyResult] = []
    for entries in (args.verify_small, args.verify_entries):
        step("SQLite", f"Verify: building and verifying {entries:,} entries")
        results.append(measure_verify(tmp, entries, key, key_file))
    small, big = results
    flat = big.peak_rss_mb <= small.peak_rss_mb * 1.25
    report.put(
        "Verify",
        f"Verify: audit verify of {big.entries:,} entries, entries/s; peak MB "
        f"(at {small.entries:,} beside)",
        "flat memory",
        "SQLite",
        f"{big.per_second:,.0f}/s; {big.peak_rss_mb:.0f} MB "
        f"(at {small.entries:,}: {small.per_second:,.0f}/s, {small.peak_rss_mb:.0f} MB) "
        f"{goal_mark(flat)}",
    )
    report.put("Verify", "", "", "PostgreSQL", "not run (SQLite builds logs fast)")


def versions() -> list[tuple[str, str]]:
    import gunicorn as gunicorn_package

    commit = subprocess.run(  # nosec B603 B607 # reviewed: git, fixed arguments
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    try:
        admin = create_engine(PG_ADMIN)
        with admin.connect() as conn:
            pg = str(conn.execute(text("SHOW server_version")).scalar_one())
        admin.dispose()
    except Exception:  # no server: the column says so
        pg = "not reachable"
    return [
        ("commit", commit or "unknown"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL server", pg),
        ("gunicorn", gunicorn_package.__version__),
        ("wrk", wrk_version()),
        ("cores", str(os.cpu_count())),
    ]


def print_table(
    report: Report, head: list[tuple[str, str]], args: Any, seconds: float, load: list[float]
) -> None:
    print()
    print("PeerNotes bench: " + ", ".join(f"{k} {v}" for k, v in head))
    print(
        f"mode: {'quick' if args.quick else 'full'}; {args.rounds} interleaved rounds of "
        f"{args.seconds:g} s per figure (median of per-round ratios); wrk 4 connections unless "
        f"said; server: gunicorn -c gunicorn.conf.py, PEERNOTES_ENV=production, sign-in limits "
        f"raised to 1,000,000; total {seconds / 60:.1f} min; load average (1 min) "
        f"{load[0]:.1f} at the start, {load[-1]:.1f} at the end (other work on the machine "
        "skews every figure)"
    )
    rows = [report.rows[key] for key in sorted(report.rows)]  # R1 .. R8, then Verify
    widths = [
        max(len("figure"), *(len(r.figure) for r in rows)),
        *(max(len(e), *(len(r.values.get(e, "not run")) for r in rows)) for e in ENGINES),
        max(len("goal"), *(len(r.goal) for r in rows)),
    ]
    line = (
        "| "
        + " | ".join(c.ljust(w) for c, w in zip(("figure", *ENGINES, "goal"), widths, strict=True))
        + " |"
    )
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        cells = (r.figure, *(r.values.get(e, "not run") for e in ENGINES), r.goal)
        print("| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |")
    for note in report.notes:
        print(f"- {note}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="PeerNotes: every benchmark, one table.")
    parser.add_argument("--quick", action="store_true", help="a small run (a few minutes)")
    parser.add_argument("--consumers", type=int, help="default 10,000 (quick 200)")
    parser.add_argument("--notes", type=int, help="SQLite; default 1,000,000 (quick 5,000)")
    parser.add_argument(
        "--pg-notes", type=int, help="PostgreSQL; default 100,000 (quick 5,000), R2 at a tenth"
    )
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, help="wrk seconds a round; default 3 (quick 2)")
    parser.add_argument("--timing-samples", type=int, help="R5 reads in all; default 300")
    parser.add_argument("--appends", type=int, help="R8 actions per writer; default 1,000")
    parser.add_argument("--argon2-samples", type=int, default=10)
    parser.add_argument("--verify-entries", type=int, help="default 10,000,000 (quick 500,000)")
    parser.add_argument("--verify-small", type=int, help="default 1,000,000 (quick 50,000)")
    parser.add_argument("--engines", default="SQLite,PostgreSQL", help="comma separated")
    args = parser.parse_args(argv)
    defaults: dict[str, tuple[Any, Any]] = {
        "consumers": (10_000, 200),
        "notes": (1_000_000, 5_000),
        "pg_notes": (100_000, 5_000),
        "seconds": (3.0, 2.0),
        "timing_samples": (300, 150),
        "appends": (1_000, 200),
        "verify_entries": (10_000_000, 500_000),
        "verify_small": (1_000_000, 50_000),
    }
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.rounds < 3:
        parser.error("at least 3 rounds (the median of three)")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    load = [os.getloadavg()[0]]
    head = versions()
    print("PeerNotes bench: " + ", ".join(f"{k} {v}" for k, v in head), flush=True)
    report = Report()
    verify_ms = argon2_verify_ms(args.argon2_samples)
    for engine in ENGINES:
        report.put(
            "R7 argon2",
            f"R7 argon2 verify, ms (median of {args.argon2_samples}, the app's hasher)",
            "15-150 ms",
            engine,
            f"{verify_ms:.0f} {goal_mark(15 <= verify_ms <= 150)}"
            + (" (same hasher)" if engine != "SQLite" else ""),
        )
    chosen = [e.strip() for e in args.engines.split(",")]
    with tempfile.TemporaryDirectory(prefix="peernotes-bench-") as name:
        tmp = Path(name)
        for engine in ENGINES:
            if engine in chosen:
                bench_engine(report, engine, tmp, args)
        verification(report, tmp, args)
    load.append(os.getloadavg()[0])
    print_table(report, head, args, time.perf_counter() - started, load)


if __name__ == "__main__":
    main()
