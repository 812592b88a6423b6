# Shared by scripts/*: make sure .venv exists and holds what a step needs, installing only when the
# pinned inputs changed since the last install (a stamp file records their hash).
# Usage: . scripts/_venv.sh; ensure_venv codegen|dev

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"

_pick_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3 python; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "atomic-sdk needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

ensure_venv() {
  local what="$1" py stamp hash
  if [ ! -x "$VENV_PY" ]; then
    py="$(_pick_python)" || return 1
    echo "==> creating .venv with $("$py" --version)" >&2
    "$py" -m venv "$VENV" || return 1
  fi
  case "$what" in
    codegen) hash="$(cat "$ROOT/tooling/requirements-codegen.txt" | sha256sum | cut -c1-16)" ;;
    dev)     hash="$(cat "$ROOT/tooling/requirements-codegen.txt" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)" ;;
    *) echo "ensure_venv: unknown set '$what'" >&2; return 2 ;;
  esac
  stamp="$VENV/.installed-$what-$hash"
  [ -f "$stamp" ] && return 0
  echo "==> installing the pinned $what toolchain into .venv" >&2
  if [ "$what" = codegen ]; then
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/tooling/requirements-codegen.txt" || return 1
  else
    "$VENV_PY" -m pip install --quiet --disable-pip-version-check \
      -c "$ROOT/tooling/requirements-codegen.txt" -e "$ROOT[dev]" || return 1
  fi
  rm -f "$VENV"/.installed-"$what"-*
  touch "$stamp"
}

run_tooling() {
  PYTHONPATH="$ROOT/tooling${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 "$VENV_PY" -m "$@"
}
