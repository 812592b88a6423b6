"""Fixtures for the packaging tests: the wheel and sdist as `python -m build` makes them, and scratch venvs.

Everything here runs in subprocesses with hard time limits (a build or an install that stalls fails the test
instead of the suite). Builds and installs reach PyPI for the build backend and the runtime dependencies.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 600
INSTALL_TIMEOUT = 600


@dataclass(frozen=True)
class Built:
    """The artifacts of one `python -m build` run (the wheel is built from the sdist, as build does)."""

    wheel: Path
    sdist: Path

    def metadata(self) -> Message:
        with zipfile.ZipFile(self.wheel) as wheel:
            (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
            return HeaderParser().parsestr(wheel.read(name).decode("utf-8"))

    def wheel_names(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as wheel:
            return wheel.namelist()

    def sdist_names(self) -> list[str]:
        with tarfile.open(self.sdist) as sdist:
            # Paths inside the sdist, without the leading "atomic_sdk-<version>/".
            return [member.name.partition("/")[2] for member in sdist.getmembers() if member.isfile()]


def run(args: list[str], timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], BUILD_TIMEOUT)
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return Built(wheel=wheels[0], sdist=sdists[0])


def make_venv(path: Path, with_pip: bool = True) -> Path:
    """A fresh virtual environment from this interpreter; returns its python."""
    run([sys.executable, "-m", "venv", *([] if with_pip else ["--without-pip"]), str(path)], INSTALL_TIMEOUT)
    return path / "bin" / "python"
