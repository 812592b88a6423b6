"""Generation time and peak RSS of scripts/generate against stock openapi-python-client, per corpus spec.

    .venv/bin/python tests/generation/corpus/bench_generation.py [--runs 3] [SPEC ...]   (default: every spec here)

For each spec (role markers injected into a temporary copy, as the corpus test does), alternately:
- ours: `python -m atomic_tooling.generate --spec COPY --output DIR`;
- stock: the same venv's `openapi-python-client generate --meta none` on the same copy, with the venv's
  bin first on PATH so its default ruff post-hooks run (as they do for anyone who has ruff installed);
- where stock refuses the spec, stock again on our prepared working copy (the document our generator
  hands openapi-python-client, in the spec's own format: JSON, or YAML that stock reads with ruamel as it
  would the original): the same generation work, so the time ratio stays meaningful.
Reports per side the median and the best wall time, the median CPU time (user + system, children
included: less sensitive to other load on a shared machine) and the median peak RSS, plus how many
operations each side wrote. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "tooling"))


def _measured(command: list[str]) -> tuple[float, float, int, int, str]:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(ROOT / "tooling"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest of all children so far: measure each run in a fresh child.
    return wall, cpu, after.ru_maxrss, result.returncode, result.stdout + result.stderr


def _isolated(command: list[str]) -> tuple[float, float, int, int, str]:
    """Run `_measured` in a child interpreter, so the peak RSS is this run's own."""
    here = str(Path(__file__).parent)
    probe = f"import json, sys; sys.path.insert(0, {here!r}); from bench_generation import _measured; print(json.dumps(_measured({command!r})))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    wall, cpu, rss, code, output = json.loads(result.stdout.strip().splitlines()[-1])
    return wall, cpu, rss, code, output


def _modules(out: Path) -> int:
    return sum(1 for p in out.rglob("api/*/*.py") if p.name != "__init__.py")


def _prepared_copy(spec: Path, target: Path) -> None:
    from atomic_tooling import generate
    from atomic_tooling.prepare import prepare
    from openapi_python_client.config import Config, ConfigFile, MetaType

    loaded = generate.load_spec(spec)
    config = Config.from_sources(ConfigFile.load_from_path(generate.CONFIG), MetaType.NONE, spec, "utf-8", False, target.parent)
    prepare(loaded.document, config.field_prefix, dict(config.content_type_overrides))
    plain = json.loads(json.dumps(loaded.document))  # plain floats (the loader's WrittenFloat) for the dumper
    if target.suffix == ".json":
        target.write_text(json.dumps(plain), encoding="utf-8")
    else:  # in the spec's own format: stock reads YAML with ruamel, as it would the original
        import yaml

        target.write_text(yaml.dump(plain, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("specs", nargs="*", type=Path)
    args = parser.parse_args()
    specs = args.specs or sorted(p for p in CORPUS.iterdir() if p.suffix in (".json", ".yaml"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="atomic-gen-bench-") as scratch_name:
        scratch = Path(scratch_name)
        for spec in specs:
            marked = scratch / spec.name
            subprocess.run([sys.executable, str(CORPUS / "inject_markers.py"), str(spec), str(marked)], check=True)
            sides: dict[str, list[tuple[float, float, int, int, str]]] = {"ours": [], "stock": []}
            stock_input = marked
            for run in range(args.runs):
                order = ("ours", "stock") if run % 2 == 0 else ("stock", "ours")
                for side in order:
                    out = scratch / f"{side}-out"
                    subprocess.run(["rm", "-rf", str(out)], check=True)
                    if side == "ours":
                        command = [sys.executable, "-m", "atomic_tooling.generate", "--spec", str(marked), "--output", str(out)]
                    else:
                        command = [str(BIN / "openapi-python-client"), "generate", "--path", str(stock_input),
                                   "--meta", "none", "--output-path", str(out)]
                    measured = _isolated(command)
                    if side == "stock" and measured[3] != 0 and stock_input == marked:
                        # Stock refuses the spec: from now on it gets our prepared working copy.
                        stock_input = scratch / f"{spec.stem}.prepared{spec.suffix}"
                        _prepared_copy(marked, stock_input)
                        sides["stock-refused"] = [measured]  # type: ignore[index]
                        subprocess.run(["rm", "-rf", str(out)], check=True)
                        measured = _isolated([*command[:3], str(stock_input), *command[4:]])
                    written = _modules(out / "atomic_api" if side == "ours" else out)
                    sides[side].append((*measured[:4], str(written)))  # type: ignore[arg-type]
            row = {"spec": spec.name}
            for side in ("ours", "stock"):
                values = sides[side]
                row[side] = {
                    "wall_median": round(median(v[0] for v in values), 2),
                    "wall_best": round(min(v[0] for v in values), 2),
                    "cpu_median": round(median(v[1] for v in values), 2),
                    "rss_mb": round(median(v[2] for v in values) / 1024),
                    "modules": int(values[-1][4]),
                    "exit": max(v[3] for v in values),
                }
            refused = sides.get("stock-refused")
            row["stock_refuses_spec"] = bool(refused)
            if refused:
                row["stock_on_spec"] = {"wall": round(refused[0][0], 2), "rss_mb": round(refused[0][2] / 1024), "exit": refused[0][3]}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
