"""Each optional feature names its extra when the extra's packages are missing (a bare ModuleNotFoundError
for `yaml` tells a user nothing about atomic-sdk)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Runs in a subprocess: hiding modules through sys.modules must not leak into this test process.
PROBE = """
import json, sys
for name in filter(None, sys.argv[1].split(",")):
    sys.modules[name] = None  # as if the package were not installed
from atomic_sdk import AtomicError, ConfigurationError, MissingExtraError
try:
    import atomic_sdk.testing
except MissingExtraError as exc:
    print(json.dumps({"message": str(exc), "extra": exc.extra, "name": exc.name,
                      "import_error": isinstance(exc, ModuleNotFoundError),
                      "atomic_error": isinstance(exc, AtomicError) and isinstance(exc, ConfigurationError)}))
else:
    print(json.dumps(None))
"""


def probe(hidden: str) -> object:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, hidden], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    return json.loads(done.stdout)


@pytest.mark.parametrize("missing", ["yaml", "openapi_schema_validator"])
def test_testing_names_its_extra(missing: str) -> None:
    assert probe(missing) == {
        "message": f"atomic_sdk.testing needs the 'testing' extra (no module named {missing!r}):"
        " pip install 'atomic-sdk[testing]'",
        "extra": "testing",
        "name": missing,
        "import_error": True,
        "atomic_error": True,
    }


def test_the_pytest_plugin_names_the_extra_too() -> None:
    code = PROBE.replace("import atomic_sdk.testing\n", "import atomic_sdk.testing.pytest_plugin\n")
    done = subprocess.run([sys.executable, "-c", code, "yaml"], capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["extra"] == "testing"


def test_a_missing_part_of_the_sdk_itself_is_not_blamed_on_the_extra() -> None:
    # Hiding one of the SDK's own modules must surface as the real ModuleNotFoundError.
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "atomic_sdk.testing._sandbox"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr
    assert "MissingExtraError" not in done.stderr


def test_with_the_extra_installed_it_imports() -> None:
    assert probe("") is None
