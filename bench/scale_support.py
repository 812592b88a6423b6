"""Starts scale_worker.py processes against a Sandbox and collects what each one saw."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from atomic_sdk.testing import Sandbox

WORKER = Path(__file__).with_name("scale_worker.py")
READY_TIMEOUT = 60.0


def worker_config(sb: Sandbox, **overrides: Any) -> dict[str, Any]:
    """The worker settings for ``sb``: one key per role, one round per thread, sync threads."""
    config: dict[str, Any] = {
        "base_url": sb.base_url,
        "token_url": sb.token_url,
        "environment_id": sb.environment_id,
        "credentials": {role: [c.client_id, c.client_secret] for role, c in sb.credentials.items()},
        "workers": 8,
        "rounds": 1,
        "mode": "sync",
    }
    config.update(overrides)
    return config


@dataclass
class WorkerResult:
    returncode: int
    ok: int
    failed: list[str]
    first_done_at: float | None
    stderr: str


class WorkerProcesses:
    """Worker processes started together: ``start`` waits until all are ready, ``go`` releases them at once.

    Each worker (``worker``, a script taking its JSON config as its one argument) prints ``ready``, waits for
    ``go`` on its stdin, then prints its summary as the last line of its output. Subclasses read the summaries.
    """

    worker: Path = WORKER
    ready_timeout: float = READY_TIMEOUT

    def __init__(self, configs: list[dict[str, Any]]) -> None:
        self.configs = configs
        self.processes: list[subprocess.Popen[str]] = []

    def start(self) -> Self:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        for config in self.configs:
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, str(self.worker), json.dumps(config)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                )
            )
        deadline = time.monotonic() + self.ready_timeout
        for process in self.processes:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = process.stdout.readline() if ready else ""
            if line.strip() != "ready":
                self.kill_all()
                stderr = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"worker did not start (got {line!r}): {stderr}")
        return self

    def go(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.close()
            # communicate() must not touch the closed pipe.
            process.stdin = None

    def kill(self, index: int) -> None:
        process = self.processes[index]
        process.kill()
        process.wait()

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill_all()


class WorkerGroup(WorkerProcesses):
    """scale_worker.py processes against a Sandbox; ``results`` collects what each one saw."""

    def results(self, timeout: float = 120.0, indexes: list[int] | None = None) -> list[WorkerResult]:
        chosen = range(len(self.processes)) if indexes is None else indexes
        out: list[WorkerResult] = []
        deadline = time.monotonic() + timeout
        try:
            for index in chosen:
                process = self.processes[index]
                stdout, stderr = process.communicate(timeout=max(0.1, deadline - time.monotonic()))
                lines = stdout.strip().splitlines()
                summary = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
                out.append(
                    WorkerResult(
                        returncode=process.returncode,
                        ok=summary.get("ok", 0),
                        failed=summary.get("failed", ["no summary printed"]),
                        first_done_at=summary.get("first_done_at"),
                        stderr=stderr,
                    )
                )
        finally:
            self.kill_all()
        return out
