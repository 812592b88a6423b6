# Shared by scripts/*: make sure node_modules/ holds the pinned Node tools (Prism, for the contract tests),
# running `npm ci` only when package-lock.json changed since the last install (a stamp file records its hash).
# Usage: . scripts/_prism.sh; ensure_node_tools

_NODE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

ensure_node_tools() {
  local hash stamp
  if ! command -v npm >/dev/null 2>&1; then
    echo "the contract tests need Node.js >= 18 with npm (for Prism); install Node and rerun" >&2
    return 1
  fi
  hash="$(cat "$_NODE_ROOT/package.json" "$_NODE_ROOT/package-lock.json" | sha256sum | cut -c1-16)"
  stamp="$_NODE_ROOT/node_modules/.installed-$hash"
  if [ -f "$stamp" ] && [ -x "$_NODE_ROOT/node_modules/.bin/prism" ]; then
    return 0
  fi
  echo "==> installing the pinned Node tools (Prism) with npm ci" >&2
  # Telemetry off; npm ci installs exactly package-lock.json and fails if it disagrees with package.json.
  (cd "$_NODE_ROOT" && SCARF_ANALYTICS=false DO_NOT_TRACK=1 \
     npm ci --no-audit --no-fund --loglevel=error) || return 1
  rm -f "$_NODE_ROOT"/node_modules/.installed-*
  touch "$stamp"
}
