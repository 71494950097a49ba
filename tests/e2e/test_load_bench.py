"""bench/load_bench.py at a tiny scale: workers' reports stored exactly once and counted as
such, every dashboard query answered, against a real gunicorn, PostgreSQL and Redis.

The latency verdict is not asserted: at this scale it measures nothing, and a busy test machine
must not decide the suite. The full bench is run by hand (README, "Benchmarks").
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_load_bench_checks_exactly_once_storage_and_reports_every_endpoint() -> None:
    out = subprocess.run(
        [sys.executable, "bench/load_bench.py", "--seconds", "6", "--workers", "4",
         "--pollers", "3", "--poll-every", "1", "--web-workers", "1", "--web-threads", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    text = out.stdout + out.stderr
    assert "PASS  error rate < 0.1%" in text, text
    assert "PASS  nothing lost or duplicated" in text, text
    stored = re.search(r"stored exactly once: (\d+) metric points, (\d+) events", text)
    assert stored is not None, text
    points, events = int(stored[1]), int(stored[2])
    # 4 workers reporting each second for 6 s, a batch of 5 events every fifth step.
    assert 16 <= points <= 28 and events % 5 == 0 and events >= 20, text
    for endpoint in ("GET job detail", "GET job events", "GET job metrics", "GET jobs (active)"):
        row = re.search(rf"^{re.escape(endpoint)}\s+(\d+)\s+(\d+)\s", text, re.MULTILINE)
        assert row is not None and int(row[1]) >= 9 and int(row[2]) == 0, (endpoint, text)
