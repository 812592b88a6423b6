"""scripts/_stages.sh, the stage runner of scripts/test: every stage's output is shown even when an earlier
stage failed, and the exit status is the first failure's."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(body: str) -> subprocess.CompletedProcess[str]:
    script = f'set -euo pipefail\nROOT="{ROOT}"\n. "$ROOT/scripts/_stages.sh"\n{body}'
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_a_failed_stage_does_not_hide_the_later_ones_nor_the_background_ones() -> None:
    done = run(
        """
start_background matrix-a bash -c 'sleep 0.3; echo matrix-a output; exit 3'
start_background matrix-b bash -c 'echo matrix-b output'
stage pytest bash -c 'echo pytest output; exit 5'
stage docs bash -c 'echo docs output'
stage matrix-a finish_background matrix-a
stage matrix-b finish_background matrix-b
report_stages
exit "$FIRST_STATUS"
"""
    )
    assert done.stdout == "pytest output\ndocs output\nmatrix-a output\nmatrix-b output\n"
    assert done.stderr == "scripts/test: failed: pytest (exit 5), matrix-a (exit 3) (each one's output is above)\n"
    assert done.returncode == 5


def test_all_stages_passing_exit_zero_quietly() -> None:
    done = run(
        """
start_background matrix-a bash -c 'echo matrix-a output'
stage ruff true
stage matrix-a finish_background matrix-a
report_stages
exit "$FIRST_STATUS"
"""
    )
    assert (done.stdout, done.stderr, done.returncode) == ("matrix-a output\n", "", 0)


def test_a_run_that_stops_early_still_shows_its_background_stages() -> None:
    done = run(
        """
start_background matrix-a bash -c 'sleep 0.3; echo matrix-a output'
false  # a failed install under set -e
echo never
"""
    )
    assert done.stdout == (
        "==> matrix-a (run in the background; shown although the run stopped early)\nmatrix-a output\n"
    )
    assert done.returncode == 1
