"""The pure parts of `make bench` (`bench.suite`): reading wrk's report and the
`Server-Timing` header, and the arithmetic of interleaved rounds. No I/O here, so that the
unit tests (`tests/unit/test_bench_measure.py`) can hold them without timing anything."""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

#: wrk's Lua hooks: count every answer that is not a 200 (wrk itself counts only non-2xx/3xx,
#: and a lost session answers 302 to the sign-in page, which would pass for success), and
#: print the total once all threads are done. Each thread has its own Lua state, hence `get`.
WRK_STATUS_SCRIPT = """\
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("not_ok") end
  io.write(string.format("Not 200: %d\\n", total))
end
"""

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_DURATION = re.compile(r"^([0-9.]+)(us|ms|s|m)$")


class WrkOutputError(ValueError):
    """wrk's report is not in the form this reads (another wrk version, or it failed)."""


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    requests: int
    #: Latency percentiles in milliseconds (only with `--latency`), e.g. {50: 1.2, 99: 4.8}.
    latency_ms: Mapping[int, float]
    #: Answers that were not 200 (from `WRK_STATUS_SCRIPT`; None without it).
    not_ok: int | None
    #: Connect, read, write and timeout errors, summed.
    socket_errors: int


def duration_ms(text: str) -> float:
    """wrk's durations ("812.00us", "1.23ms", "2.00s", "1.50m") in milliseconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise WrkOutputError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Read wrk's report (wrk 4.x, with or without `--latency`)."""
    rate = re.search(r"^Requests/sec:\s+([0-9.]+)\s*$", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    if not rate or not total:
        raise WrkOutputError("wrk printed no request rate:\n" + output)
    latency: dict[int, float] = {}
    for percent, value in re.findall(r"^\s+(\d+)%\s+([0-9.]+(?:us|ms|s|m))\s*$", output, re.M):
        latency[int(percent)] = duration_ms(value)
    not_ok = re.search(r"^Not 200: (\d+)\s*$", output, re.M)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_second=float(rate.group(1)),
        requests=int(total.group(1)),
        latency_ms=latency,
        not_ok=int(not_ok.group(1)) if not_ok else None,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def parse_server_timing(header: str | None) -> dict[str, float]:
    """`Server-Timing: app;dur=12.3, serial;dur=0.4` as {"app": 12.3, "serial": 0.4}.

    Metrics without a `dur` are left out; a malformed duration is an error, not a zero, so a
    changed header cannot quietly make the serialized share look small."""
    found: dict[str, float] = {}
    if not header:
        return found
    for metric in header.split(","):
        name, *params = (part.strip() for part in metric.split(";"))
        if not name:
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "dur":
                try:
                    found[name] = float(value.strip().strip('"'))
                except ValueError:
                    raise ValueError(f"Server-Timing {name}: dur is not a number") from None
    return found


def serialized_share(samples: Iterable[Mapping[str, float]]) -> float | None:
    """sum(serial) / sum(app) over the samples that carry both; None when none does."""
    app = serial = 0.0
    counted = 0
    for sample in samples:
        if "app" in sample and "serial" in sample:
            app += sample["app"]
            serial += sample["serial"]
            counted += 1
    if not counted or app <= 0:
        return None
    return serial / app


def median_share(rounds: Sequence[Sequence[Mapping[str, float]]]) -> float | None:
    """The median over rounds of each round's `serialized_share`."""
    shares = [s for s in (serialized_share(r) for r in rounds) if s is not None]
    return statistics.median(shares) if shares else None


def interleaved_order(keys: Sequence[K], rounds: int) -> list[K]:
    """A, B, C, A, B, C, ...: every key once a round, so that drift over the run (a warming
    cache, another process on the machine) affects each alike."""
    if rounds < 1:
        raise ValueError("at least one round")
    return [key for _ in range(rounds) for key in keys]


def per_round_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Each round's numerator ÷ the same round's denominator."""
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("one figure of each per round")
    return [n / d for n, d in zip(numerator, denominator, strict=True)]


def median_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """The median of the per-round ratios: rounds measured side by side are compared with
    each other, never with another round's."""
    return statistics.median(per_round_ratios(numerator, denominator))


def goal_mark(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "MISSED")
