# Shared by scripts/*: make sure a virtual environment exists and holds what a step needs, installing only
# when the pinned inputs changed since the last install (a stamp file records their hash).
# Usage: . scripts/_venv.sh; [use_venv NAME X.Y;] ensure_venv codegen|dev|docs|lowest
#
# .venv is the main environment (Python >= 3.11, the first of $PYTHON, python3.11, python3, python).
# use_venv switches to .venv-NAME built from Python X.Y (the version matrix: .venv-3.12, .venv-3.13, and
# .venv-lowest for the lowest supported dependency versions); it finds the interpreter as pythonX.Y on
# PATH, then under pyenv ($PYENV_ROOT or ~/.pyenv), then /usr/bin.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VENV_PY="$VENV/bin/python"
VENV_PYTHON_VERSION=""   # empty: any Python >= 3.11

_python_is() {  # _python_is EXE [X.Y]: EXE runs and is Python X.Y (or >= 3.11 without X.Y)
  local want="${2:-}"
  if [ -n "$want" ]; then
    "$1" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '$want' else 1)" 2>/dev/null
  else
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null
  fi
}

_pick_python() {  # _pick_python [X.Y]: print the path of a matching interpreter
  local want="${1:-}" candidate pyenv_root
  if [ -z "$want" ]; then
    for candidate in "${PYTHON:-}" python3.11 python3 python; do
      [ -n "$candidate" ] || continue
      if command -v "$candidate" >/dev/null 2>&1 && _python_is "$candidate"; then
        echo "$candidate"; return 0
      fi
    done
    echo "atomic-sdk needs Python >= 3.11 (set PYTHON=/path/to/python3.11)" >&2
    return 1
  fi
  pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  # Newest patch release first among the pyenv builds.
  for candidate in "python$want" \
      $(ls -d "$pyenv_root"/versions/"$want".*/bin/python"$want" 2>/dev/null | sort -t. -k3,3nr) \
      "/usr/bin/python$want" "/usr/local/bin/python$want"; do
    if command -v "$candidate" >/dev/null 2>&1 && _python_is "$candidate" "$want"; then
      command -v "$candidate"; return 0
    fi
  done
  echo "Python $want was not found (looked for python$want on PATH, under $pyenv_root/versions/$want.*" \
       "and in /usr/bin); install it (e.g. 'pyenv install $want') or put python$want on PATH" >&2
  return 1
}

use_venv() {  # use_venv NAME X.Y
  VENV="$ROOT/.venv-$1"
  VENV_PY="$VENV/bin/python"
  VENV_PYTHON_VERSION="$2"
}

ensure_venv() {
  local what="$1" py stamp hash inputs=()
  if [ -x "$VENV_PY" ] && ! _python_is "$VENV_PY" "$VENV_PYTHON_VERSION"; then
    echo "==> $VENV runs $("$VENV_PY" --version 2>&1), not Python ${VENV_PYTHON_VERSION:->= 3.11}; recreating it" >&2
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV_PY" ]; then
    py="$(_pick_python "$VENV_PYTHON_VERSION")" || return 1
    echo "==> creating ${VENV#"$ROOT"/} with $("$py" --version)" >&2
    "$py" -m venv "$VENV" || return 1
  fi
  case "$what" in
    codegen) inputs=(tooling/requirements-codegen.txt) ;;
    dev)     inputs=(tooling/requirements-codegen.txt tooling/requirements-dev.txt tooling/requirements-test.txt pyproject.toml) ;;
    docs)    inputs=(tooling/requirements-codegen.txt tooling/requirements-docs.txt) ;;
    lowest)  inputs=(tooling/constraints-lowest.txt tooling/requirements-test.txt pyproject.toml) ;;
    *) echo "ensure_venv: unknown set '$what'" >&2; return 2 ;;
  esac
  hash="$(cd "$ROOT" && cat "${inputs[@]}" | sha256sum | cut -c1-16)"
  stamp="$VENV/.installed-$what-$hash"
  [ -f "$stamp" ] && return 0
  echo "==> installing the pinned $what toolchain into ${VENV#"$ROOT"/}" >&2
  local pip=("$VENV_PY" -m pip install --quiet --disable-pip-version-check)
  case "$what" in
    codegen) "${pip[@]}" -r "$ROOT/tooling/requirements-codegen.txt" || return 1 ;;
    # Every extra, so the tests see what users of each extra get; versions come from the toolchain pins.
    dev)     "${pip[@]}" -c "$ROOT/tooling/requirements-codegen.txt" -r "$ROOT/tooling/requirements-dev.txt" \
               -e "$ROOT[redis,cli,testing,httpx2]" || return 1 ;;
    docs)    "${pip[@]}" -c "$ROOT/tooling/requirements-codegen.txt" -r "$ROOT/tooling/requirements-docs.txt" || return 1 ;;
    lowest)  "${pip[@]}" -c "$ROOT/tooling/constraints-lowest.txt" -r "$ROOT/tooling/requirements-test.txt" \
               -e "$ROOT[redis,cli,testing,httpx2]" || return 1 ;;
  esac
  rm -f "$VENV"/.installed-"$what"-*
  touch "$stamp"
}

run_tooling() {
  PYTHONPATH="$ROOT/tooling${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 "$VENV_PY" -m "$@"
}
