"""The pure parts of `make bench` (`bench.measure`): reading wrk's report and the
Server-Timing header, and the arithmetic of interleaved rounds. No timing here."""

from __future__ import annotations

import pytest

from bench.measure import (
    WrkOutputError,
    duration_ms,
    interleaved_order,
    median_ratio,
    median_share,
    parse_server_timing,
    parse_wrk,
    per_round_ratios,
    serialized_share,
)

# wrk 4.1.0 (Debian), `--latency`, with the Lua status hook, some errors.
WRK_LATENCY = """\
Running 3s test @ http://127.0.0.1:41234/notes/7
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.52ms    3.10ms  48.21ms   80.00%
    Req/Sec   348.50     40.12   420.00     70.00%
  Latency Distribution
     50%   10.87ms
     75%   12.90ms
     90%   15.02ms
     99%    1.02s
  2091 requests in 3.01s, 12.40MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:    694.68
Transfer/sec:      4.12MB
Not 200: 3
"""

WRK_PLAIN = """\
Running 2s test @ http://127.0.0.1:41234/health
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us  120.00us   4.00ms   90.00%
    Req/Sec     2.40k   100.00     2.60k    70.00%
  9600 requests in 2.00s, 1.50MB read
Requests/sec:   4800.00
Transfer/sec:    768.00KB
"""


def test_wrk_report_with_latency_distribution_and_status_hook() -> None:
    result = parse_wrk(WRK_LATENCY)
    assert result.requests_per_second == 694.68
    assert result.requests == 2091
    assert result.latency_ms == {50: 10.87, 75: 12.90, 90: 15.02, 99: 1020.0}
    assert result.not_ok == 3
    assert result.socket_errors == 3


def test_wrk_report_without_latency_or_hook() -> None:
    result = parse_wrk(WRK_PLAIN)
    assert result.requests_per_second == 4800.0
    assert result.requests == 9600
    assert result.latency_ms == {}
    assert result.not_ok is None
    assert result.socket_errors == 0


def test_a_failed_wrk_run_is_an_error_not_a_zero() -> None:
    with pytest.raises(WrkOutputError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


@pytest.mark.parametrize(
    ("text", "ms"),
    [("812.00us", 0.812), ("1.23ms", 1.23), ("2.00s", 2000.0), ("1.50m", 90_000.0)],
)
def test_wrk_durations_in_milliseconds(text: str, ms: float) -> None:
    assert duration_ms(text) == pytest.approx(ms)


def test_wrk_duration_without_unit_is_refused() -> None:
    with pytest.raises(WrkOutputError):
        duration_ms("12.0")


def test_server_timing_header() -> None:
    assert parse_server_timing("app;dur=12.5, serial;dur=0.25") == {"app": 12.5, "serial": 0.25}
    # Descriptions, quoted values, spacing and metrics without a duration.
    assert parse_server_timing('app;desc="request";dur="3", cache , serial; dur = 0.1') == {
        "app": 3.0,
        "serial": 0.1,
    }
    assert parse_server_timing(None) == {}
    assert parse_server_timing("") == {}


def test_server_timing_with_a_malformed_duration_fails() -> None:
    with pytest.raises(ValueError, match="serial"):
        parse_server_timing("app;dur=4, serial;dur=fast")


def test_serialized_share_sums_before_dividing() -> None:
    samples = [{"app": 10.0, "serial": 0.1}, {"app": 30.0, "serial": 0.3}, {"app": 60.0}]
    # The sample without `serial` is left out of both sums: 0.4 / 40.
    assert serialized_share(samples) == pytest.approx(0.01)
    assert serialized_share([{}, {"app": 3.0}]) is None
    assert serialized_share([]) is None


def test_median_share_over_rounds() -> None:
    rounds = [
        [{"app": 10.0, "serial": 1.0}],  # 10 %
        [{"app": 10.0, "serial": 0.1}],  # 1 %
        [{"app": 10.0, "serial": 0.2}],  # 2 %
    ]
    assert median_share(rounds) == pytest.approx(0.02)
    assert median_share([[{}], [{}]]) is None


def test_interleaved_order() -> None:
    assert interleaved_order(["a", "b", "h"], 3) == ["a", "b", "h"] * 3
    with pytest.raises(ValueError):
        interleaved_order(["a"], 0)


def test_ratios_pair_each_round_with_its_own() -> None:
    # The median of the per-round ratios, not the ratio of the medians: here they differ.
    numerator = [10.0, 30.0, 20.0]
    denominator = [100.0, 100.0, 40.0]
    assert per_round_ratios(numerator, denominator) == [0.1, 0.3, 0.5]
    assert median_ratio(numerator, denominator) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        median_ratio([1.0], [1.0, 2.0])
    with pytest.raises(ValueError):
        median_ratio([], [])
