"""The wheel as a user gets it: installed into a fresh venv next to other libraries' pins, without extras."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

from .conftest import INSTALL_TIMEOUT, Built, make_venv, run


def test_resolves_next_to_a_pyyaml_pin_of_another_library(built: Built, tmp_path: Path) -> None:
    # The case: exact pins in the extras made this ResolutionImpossible.
    scratch = make_venv(tmp_path / "scratch", with_pip=False)
    report = tmp_path / "report.json"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(scratch),
            "install",
            "--dry-run",
            "--quiet",
            "--disable-pip-version-check",
            "--report",
            str(report),
            f"atomic-sdk[redis,cli] @ {built.wheel.as_uri()}",
            "pyyaml==6.0.3",
        ],
        INSTALL_TIMEOUT,
    )
    chosen = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    assert chosen["pyyaml"] == "6.0.3"
    assert chosen["atomic-sdk"] == "0.1.0"
    assert {"httpx", "attrs", "redis"} <= set(chosen)
    assert "python-dateutil" not in chosen  # no module of the package imports it


def test_installed_without_extras_it_imports_and_names_the_missing_extras(built: Built, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "user")
    run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(built.wheel)],
        INSTALL_TIMEOUT,
    )
    check = textwrap.dedent(
        """
        import importlib.resources, json, sys
        import atomic_api, atomic_sdk
        from atomic_sdk import AtomicError, ConfigurationError, MissingExtraError, RedisTokenCache
        out = {"version": atomic_sdk.__version__,
               "typed": [importlib.resources.files(p).joinpath("py.typed").is_file() for p in ("atomic_api", "atomic_sdk")]}
        for label, attempt in (("testing", lambda: __import__("atomic_sdk.testing")),
                               ("redis", lambda: RedisTokenCache("redis://127.0.0.1:6379/0"))):
            try:
                attempt()
            except MissingExtraError as exc:
                assert isinstance(exc, (AtomicError, ConfigurationError, ImportError)), type(exc).__mro__
                out[label] = [str(exc), exc.extra, exc.name]
        print(json.dumps(out))
        """
    )
    done = run([str(python), "-c", check], 120)
    seen = json.loads(done.stdout)
    assert seen["version"] == "0.1.0"
    assert seen["typed"] == [True, True]
    assert seen["testing"] == [
        "atomic_sdk.testing needs the 'testing' extra (no module named 'yaml'): pip install 'atomic-sdk[testing]'",
        "testing",
        "yaml",
    ]
    assert seen["redis"] == [
        "RedisTokenCache needs the redis and cryptography packages (redis is missing): pip install 'atomic-sdk[redis]'",
        "redis",
        "redis",
    ]
    script = python.parent / "atomic-sdk"
    assert run([str(script), "--version"], 60).stdout.strip() == "atomic-sdk 0.1.0"
    roles = run([str(script), "roles", "--json"], 60)
    assert {"operation_id": "listCards", "method": "GET"}.items() <= next(
        op for op in json.loads(roles.stdout) if op["operation_id"] == "listCards"
    ).items()
