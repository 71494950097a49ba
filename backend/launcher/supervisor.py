"""A small process supervisor for `make run`: start children, watch them, stop them all.

Every child starts in its own session (so its own process group). That has two reasons:
- Ctrl-C in the terminal reaches only the launcher, which then stops the children in a chosen
  order (scheduler and workers before the web server, Redis last), instead of every process
  receiving SIGINT at once and, e.g., Celery starting a warm shutdown mid-training.
- A whole group can be signalled with killpg, which also reaches grandchildren (Celery's pool
  process, gunicorn's workers), so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


class ChildFailed(RuntimeError):
    """A one-shot step failed or a long-running child exited on its own."""


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes]
    log_path: Path
    # Signal that asks this program to stop cleanly (Celery: SIGTERM is a warm shutdown that
    # waits for the running task; SIGQUIT is cold, which we want: the job resumes from its
    # checkpoint on the next start, see the reaper).
    stop_signal: int = signal.SIGTERM
    threads: list[threading.Thread] = field(default_factory=list)
    # Output kept in memory (one-shot steps), e.g. when it holds a secret that must not be
    # written to a log file.
    captured: list[bytes] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


def _pump(
    stream: IO[bytes],
    log: IO[bytes],
    prefix: bytes,
    echo: bool,
    lock: threading.Lock,
    captured: list[bytes] | None,
) -> None:
    """Copy a child's output to its log file and, when asked, to our stdout with a prefix."""
    for line in iter(stream.readline, b""):
        log.write(line)
        log.flush()
        if captured is not None:
            captured.append(line)
        if echo:
            with lock:
                sys.stdout.buffer.write(prefix + line)
                sys.stdout.buffer.flush()
    stream.close()
    log.close()


class Supervisor:
    """Owns the children of one `make run`. Not thread-safe: drive it from the main thread."""

    def __init__(self, *, log_dir: Path, echo: bool = False) -> None:
        self.log_dir = log_dir
        self.echo = echo
        self.children: list[Child] = []
        self._stop_requested = threading.Event()
        self._print_lock = threading.Lock()
        self._width = 10

    # --- output -----------------------------------------------------------------------------

    def say(self, message: str) -> None:
        with self._print_lock:
            print(message, flush=True)

    # --- starting -----------------------------------------------------------------------------

    def _popen(self, argv: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        stop_signal: int = signal.SIGTERM,
        append: bool = True,
        keep_log: bool = True,
    ) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log" if keep_log else Path(os.devnull)
        # Services append (one log across restarts); one-shot steps keep only their last run.
        log = open(log_path, "ab" if append else "wb")  # noqa: SIM115 - closed by _pump
        process = self._popen(argv, env)
        captured: list[bytes] | None = None if keep_log else []
        child = Child(name, list(argv), process, log_path, stop_signal, captured=captured)
        prefix = f"{name:<{self._width}}| ".encode()
        assert process.stdout is not None
        thread = threading.Thread(
            target=_pump,
            args=(process.stdout, log, prefix, self.echo, self._print_lock, captured),
            name=f"pump-{name}",
            daemon=True,
        )
        thread.start()
        child.threads.append(thread)
        self.children.append(child)
        return child

    def run_step(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        echo: bool = False,
        keep_log: bool = True,
        timeout: float = 600.0,
    ) -> str:
        """Run a one-shot command to completion (own process group too, so Ctrl-C during a
        slow migration still stops it cleanly). Returns its output; raises on failure."""
        child = self.start(name, argv, env=env, append=False, keep_log=keep_log)
        deadline = time.monotonic() + timeout
        while child.alive():
            if self._stop_requested.is_set() or time.monotonic() > deadline:
                self._stop_child(child, grace=5.0)
                raise ChildFailed(f"{name} was interrupted")
            time.sleep(0.05)
        for thread in child.threads:
            thread.join(timeout=5)
        self.children.remove(child)
        if child.captured is not None:
            raw = b"".join(child.captured)
        else:
            raw = child.log_path.read_bytes()
        output = raw.decode("utf-8", "replace")
        if echo:
            with self._print_lock:
                sys.stdout.write(output)
                sys.stdout.flush()
        if child.process.returncode != 0:
            raise ChildFailed(
                f"{name} failed (exit {child.process.returncode}):\n{self._tail(output)}"
            )
        return output

    @staticmethod
    def _tail(text: str, lines: int = 40) -> str:
        return "\n".join(text.rstrip().splitlines()[-lines:])

    # --- watching -----------------------------------------------------------------------------

    def request_stop(self, signum: int = signal.SIGINT, frame: object = None) -> None:
        self._stop_requested.set()

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self.request_stop)

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    def wait(self, *, on_tick: Callable[[], None] | None = None, tick: float = 0.5) -> None:
        """Block until a stop is requested or a child exits on its own (then raise)."""
        while not self._stop_requested.wait(tick):
            for child in self.children:
                if not child.alive():
                    log_tail = self._tail(child.log_path.read_text("utf-8", "replace"))
                    raise ChildFailed(
                        f"{child.name} exited with code {child.process.returncode}; last lines "
                        f"of {child.log_path}:\n{log_tail}"
                    )
            if on_tick is not None:
                on_tick()

    # --- stopping -----------------------------------------------------------------------------

    @staticmethod
    def _signal_group(child: Child, signum: int) -> None:
        # The group outlives its leader when a grandchild is still running, so signal the group
        # even after the leader has exited.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signum)

    @staticmethod
    def _group_alive(child: Child) -> bool:
        child.process.poll()  # reap the leader if it exited, or killpg(0) sees a zombie
        try:
            os.killpg(child.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def _stop_child(self, child: Child, *, grace: float) -> None:
        self._stop_many([child], grace=grace)

    def _stop_many(self, children: Sequence[Child], *, grace: float) -> None:
        for child in children:
            self._signal_group(child, child.stop_signal)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(self._group_alive(c) for c in children):
            time.sleep(0.1)
        for child in children:
            if self._group_alive(child):
                self.say(f"  {child.name} did not stop in {grace:.0f}s; killing it")
                self._signal_group(child, signal.SIGKILL)
        for child in children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=5)
            for thread in child.threads:
                thread.join(timeout=2)

    def stop_all(self, *, order: Sequence[Sequence[str]] = (), grace: float = 15.0) -> None:
        """Stop children wave by wave (names in `order`; the rest first, in reverse start
        order), each wave signalled together and given `grace` seconds before SIGKILL."""
        named = {name for wave in order for name in wave}
        waves: list[list[Child]] = [[c for c in reversed(self.children) if c.name not in named]]
        for wave in order:
            waves.append([c for c in self.children if c.name in wave])
        for wave_children in waves:
            if wave_children:
                self._stop_many(wave_children, grace=grace)
        self.children.clear()
