# Shared by scripts/*: make sure redis-server is installed (the Redis token-cache tests and the benchmark
# start their own throwaway servers on 127.0.0.1). Installs from the system packages when missing. The one
# binary serves every topology the tests start: cluster mode (--cluster-enabled, --cluster-port: Redis >= 7)
# and Sentinels (`redis-server <config> --sentinel`), so the separate redis-sentinel package is not needed.
# Usage: . scripts/_redis.sh; ensure_redis_server

ensure_redis_server() {
  if command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
    return 0
  fi
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "redis-server is missing and this user cannot install packages;" \
           "install it (Debian/Ubuntu: apt-get install redis-server) and rerun" >&2
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "redis-server is missing and apt-get is not available; install redis-server (>= 5) and rerun" >&2
    return 1
  fi
  echo "==> installing redis-server from the system packages (apt-get)" >&2
  # The package's service is never started here (containers deny it; tests start their own servers).
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
    >/dev/null || return 1
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]
}
