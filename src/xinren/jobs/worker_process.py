"""A ``xinren worker`` child process, stopped with its parent (``xinren serve``)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: SIGTERM the worker when the server dies, even by SIGKILL."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_worker(workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "xinren.cli", "worker", "--workers", str(workers)],
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_worker(child: subprocess.Popen | None, timeout: float = 10) -> None:
    if child is None or child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)  # Huey: SIGINT lets the running task finish
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
