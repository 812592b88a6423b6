# Shared by scripts/test: run checks as stages, some in the background, and show every stage's output.
# Usage: . scripts/_stages.sh; start_background NAME CMD...; stage NAME CMD...; stage NAME finish_background NAME;
# exit "$FIRST_STATUS". A failed stage is recorded and the next ones still run; the exit status is the first
# failure's; a script that stops early (set -e) still waits for its background stages and shows their output.
# Only INT or TERM stops them unseen.
BACKGROUND_DIR="$(mktemp -d "${TMPDIR:-/tmp}/atomic-sdk-test.XXXXXX")"
declare -A BACKGROUND_PIDS=()
BACKGROUND_ORDER=()
FIRST_STATUS=0
FAILED_STAGES=()
INTERRUPTED=0

record_failure() {  # record_failure NAME STATUS
  FAILED_STAGES+=("$1 (exit $2)")
  if [ "$FIRST_STATUS" = 0 ]; then FIRST_STATUS="$2"; fi
}

stage() {  # stage NAME COMMAND...: run a check; a failure is recorded and the next checks still run
  local name="$1" status=0; shift
  "$@" || status=$?
  if [ "$status" != 0 ]; then record_failure "$name" "$status"; fi
  return 0
}

stop_background() {
  local pid
  for pid in "${BACKGROUND_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true   # the whole group, even when its first process is gone
  done
  rm -rf "$BACKGROUND_DIR"
}

start_background() {  # start_background NAME COMMAND...
  local name="$1"; shift
  set -m
  ("$@") >"$BACKGROUND_DIR/$name.log" 2>&1 </dev/null &
  BACKGROUND_PIDS[$name]=$!
  BACKGROUND_ORDER+=("$name")
  set +m
}

finish_background() {  # finish_background NAME: wait for it, show its output, return its status
  local status=0
  wait "${BACKGROUND_PIDS[$1]}" || status=$?
  unset "BACKGROUND_PIDS[$1]"
  cat "$BACKGROUND_DIR/$1.log"
  return "$status"
}

on_exit() {
  local status=$? name
  if [ "$INTERRUPTED" = 0 ]; then
    # A step that stopped the script (a failed install, say): still wait for and show what ran beside it.
    for name in "${BACKGROUND_ORDER[@]}"; do
      [ -n "${BACKGROUND_PIDS[$name]:-}" ] || continue
      echo "==> $name (run in the background; shown although the run stopped early)"
      finish_background "$name" || true
    done
  fi
  stop_background
  exit "$status"
}
trap on_exit EXIT
trap 'INTERRUPTED=1; exit 130' INT
trap 'INTERRUPTED=1; exit 143' TERM


report_stages() {  # a line naming every failed stage, on stderr
  local joined
  [ ${#FAILED_STAGES[@]} -gt 0 ] || return 0
  joined="$(printf '%s, ' "${FAILED_STAGES[@]}")"
  echo "scripts/test: failed: ${joined%, } (each one's output is above)" >&2
}
