"""Take a newer spec, report what changed for SDK users, and (unless --check) adopt it and regenerate.

Steps:
  1. read the new spec from --from (URL or file), validate it and read its role markers
     (the same checks scripts/generate makes, so a spec that would not generate is refused here);
  2. compare it with the current spec (specdiff.py) and print the report (text or JSON);
  3. --check: write nothing; exit 1 when anything breaking changed, else 0.
     otherwise: if the bytes differ, copy the new spec over the current one and run the generator.

Exit codes: 0 ok / no breaking change (--check), 1 breaking change (--check), 2 spec unreadable,
invalid or not downloadable, 3 role markers, 4 generator failed (the previous spec is restored).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path

from atomic_tooling import generate
from atomic_tooling.generate import (
    EXIT_MARKERS,
    EXIT_OK,
    EXIT_SPEC,
    GenerationError,
    LoadedSpec,
    load_spec,
    validate_spec,
)
from atomic_tooling.markers import RoleMarkerError
from atomic_tooling.specdiff import SpecDiff, diff_specs

OFFICIAL_SPEC_URL = "https://01.customer-api.atomic.io/spec.yaml"
FETCH_TIMEOUT_SECONDS = 30.0
EXIT_BREAKING = 1
PROG = "scripts/update-spec"


class SpecFetchError(GenerationError):
    """The new spec could not be downloaded."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_SPEC)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetch(url: str, destination: Path, timeout: float = FETCH_TIMEOUT_SECONDS) -> None:
    """Download `url` into `destination`; any network or HTTP failure becomes a SpecFetchError."""
    import httpx

    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.TimeoutException as exc:
        raise SpecFetchError(f"cannot download {url}: no answer within {timeout:g}s ({type(exc).__name__}); "
                             "pass --from FILE to use a copy") from exc
    except httpx.HTTPError as exc:
        hint = " (no network access? download it elsewhere and pass --from FILE)" if isinstance(exc, httpx.TransportError) else ""
        raise SpecFetchError(f"cannot download {url}: {exc or type(exc).__name__}{hint}") from exc
    if response.status_code != 200:
        raise SpecFetchError(f"cannot download {url}: HTTP {response.status_code} {response.reason_phrase}")
    destination.write_bytes(response.content)


def read_new_spec(source: str, scratch: Path) -> LoadedSpec:
    """Load and validate the spec named by `source`; a URL is downloaded into `scratch` first."""
    if is_url(source):
        path = scratch / "downloaded-spec.yaml"
        fetch(source, path)
    else:
        path = Path(source)
    spec = load_spec(path)
    validate_spec(spec)
    return spec


def compare(current: LoadedSpec, new: LoadedSpec) -> SpecDiff:
    try:
        return diff_specs(current.document, new.document)
    except RoleMarkerError as exc:
        raise GenerationError(str(exc), EXIT_MARKERS) from exc


def replace_spec(target: Path, raw: bytes) -> None:
    """Write `raw` to `target` byte for byte, atomically (no half-written spec if interrupted)."""
    staged = target.with_name(f".{target.name}.new")
    staged.write_bytes(raw)
    os.replace(staged, target)


def regenerate(current: Path, new_raw: bytes, output: Path, quiet_stdout: bool) -> int:
    """Adopt the new spec and run the generator; on generator failure put the old spec back."""
    previous = current.read_bytes()
    replace_spec(current, new_raw)
    argv = ["--spec", str(current), "--output", str(output)]
    redirect = contextlib.redirect_stdout(sys.stderr) if quiet_stdout else contextlib.nullcontext()
    with redirect:
        code = generate.main(argv)
    if code != EXIT_OK:
        replace_spec(current, previous)
        print(f"{PROG}: generation failed (exit {code}); {current} restored to its previous content.", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", default=OFFICIAL_SPEC_URL, metavar="URL|FILE",
                        help=f"the newer spec (default: {OFFICIAL_SPEC_URL})")
    parser.add_argument("--current", type=Path, default=generate.DEFAULT_SPEC,
                        help="the spec to compare with and replace (default: spec/atomic-api.yaml)")
    parser.add_argument("--output", type=Path, default=generate.DEFAULT_OUTPUT,
                        help="folder that holds atomic_api/ when regenerating (default: generated/)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything breaking changed")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="atomic-update-spec-") as scratch:
            new = read_new_spec(args.source, Path(scratch))
            current = load_spec(args.current)
            report = compare(current, new)
    except GenerationError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        print(f"{PROG}: nothing was changed.", file=sys.stderr)
        return exc.exit_code
    as_json = args.format == "json"
    print(report.render_json() if as_json else report.render_text())
    if args.check:
        if not as_json:
            print("breaking changes found" if report.breaking else "no breaking changes")
        return EXIT_BREAKING if report.breaking else EXIT_OK
    notes = sys.stderr if as_json else sys.stdout  # keep a JSON stdout parseable
    if new.raw == current.raw:
        print(f"{args.current} is already identical to {args.source}; nothing regenerated.", file=notes)
        return EXIT_OK
    print(f"{PROG}: replacing {args.current} with {args.source} and regenerating.", file=notes)
    return regenerate(args.current, new.raw, args.output, quiet_stdout=as_json)


if __name__ == "__main__":
    sys.exit(main())
