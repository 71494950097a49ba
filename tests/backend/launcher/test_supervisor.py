"""The `make run` supervisor: children in their own groups, nothing left behind."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import psutil
import pytest

from backend.launcher.supervisor import ChildFailed, Supervisor

# A child that starts a grandchild (like gunicorn's workers or Celery's pool) and ignores
# SIGTERM in the grandchild, so only the group kill after the grace period can end it.
GRANDCHILD = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(600)"
)
PARENT = f"""
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", {GRANDCHILD!r}])
print("parent up", flush=True)
time.sleep(600)
"""


def _wait_for_file_text(path: Path, text: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


def test_children_get_their_own_group_and_stop_all_leaves_nothing(tmp_path: Path) -> None:
    sup = Supervisor(log_dir=tmp_path)
    child = sup.start("svc", [sys.executable, "-c", PARENT], env=dict(os.environ))
    _wait_for_file_text(child.log_path, "ready")
    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)
    family = [psutil.Process(child.pid), *psutil.Process(child.pid).children(recursive=True)]
    assert len(family) == 2

    started = time.monotonic()
    sup.stop_all(grace=1.0)
    assert time.monotonic() - started < 10
    _, alive = psutil.wait_procs(family, timeout=5)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert sup.children == []


def test_stop_all_goes_wave_by_wave(tmp_path: Path) -> None:
    sup = Supervisor(log_dir=tmp_path)
    order_file = tmp_path / "order"
    script = (
        "import signal, sys, time\n"
        "def bye(*a):\n"
        f"    open({str(order_file)!r}, 'a').write(sys.argv[1] + '\\n'); sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        "print('up', flush=True)\n"
        "time.sleep(600)\n"
    )
    for name in ("redis", "web", "worker1"):
        child = sup.start(name, [sys.executable, "-c", script, name], env=dict(os.environ))
        _wait_for_file_text(child.log_path, "up")
    sup.stop_all(order=[["worker1"], ["web"], ["redis"]], grace=5.0)
    assert order_file.read_text().split() == ["worker1", "web", "redis"]


def test_wait_raises_when_a_child_dies_and_run_step_reports_failures(tmp_path: Path) -> None:
    sup = Supervisor(log_dir=tmp_path)
    sup.start("short", [sys.executable, "-c", "print('bye'); raise SystemExit(3)"], env={})
    with pytest.raises(ChildFailed, match="short exited with code 3"):
        sup.wait(tick=0.05)
    sup.stop_all(grace=1.0)

    out = sup.run_step("ok", [sys.executable, "-c", "print('secret')"], env={}, keep_log=False)
    assert out.strip() == "secret"
    assert not (tmp_path / "ok.log").exists()  # kept in memory only
    with pytest.raises(ChildFailed, match="fails failed"):
        sup.run_step("fails", [sys.executable, "-c", "raise SystemExit(2)"], env={})


def test_a_stop_request_ends_wait(tmp_path: Path) -> None:
    sup = Supervisor(log_dir=tmp_path)
    sup.start("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], env={})
    sup.request_stop(signal.SIGINT)
    sup.wait(tick=0.05)  # returns at once
    assert sup.stop_requested
    sup.stop_all(grace=2.0)
