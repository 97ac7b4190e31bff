"""Running the ``synth`` command as a real subprocess, bounded in time, and reading its
one-line errors (tests import this like ``corpus``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_synth(
    *args: object, timeout: float = 90, cwd: Path | None = None, stdin: object = None
) -> subprocess.CompletedProcess:
    """``python -m synth.cli *args`` with this interpreter and the test's environment (no
    arXiv URL override); raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds,
    which fails the test instead of hanging it."""
    env = dict(os.environ)
    env.pop("SYNTH_ARXIV_API_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *map(str, args)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=env,
        cwd=cwd,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        check=False,
    )


def one_error_line(done: subprocess.CompletedProcess, code: int = 2) -> str:
    """The single ``synth: ...`` line of a failed command, after checking the exit code and
    that no traceback was printed."""
    assert done.returncode == code, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("synth:")]
    assert len(lines) == 1, done.stderr[-2000:]
    assert len(lines[0]) < 400, lines[0][:400]
    return lines[0]


def sigterm_when_logged(args: list[str], marker: str, cwd: Path) -> tuple[int, str]:
    """Start ``python -m synth.cli *args``, send it SIGTERM once a stderr line holds
    ``marker``, and return its exit code and the rest of its stderr (killed after 60 s)."""
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "synth.cli", *args], stderr=subprocess.PIPE, text=True, cwd=cwd
    )
    try:
        for line in proc.stderr:  # segments are logged as they are written
            if marker in line:
                proc.send_signal(signal.SIGTERM)
                break
        rest = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    return proc.returncode, rest
