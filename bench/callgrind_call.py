"""One process of the instruction-count row: warm up, then run N calls of one variant under a marker.

Run by bench/run.py as ``valgrind --tool=callgrind --collect-atstart=no --toggle-collect=_operator_call
python bench/callgrind_call.py VARIANT BASE_URL TOKEN_URL N [ENVIRONMENT LIMIT]``. Collection is off from the
start, so the interpreter start-up, the imports, building the clients and the warm-up calls (connections
open, token cached, code paths and caches hot) are not counted; only what runs inside
``operator.call(measured)`` is, because callgrind collects exactly while the C function behind
``operator.call`` is on the stack (nothing in httpx or the SDK uses ``operator.call``). The server is another
process and is not counted. The variants are bench/variants.py's, as in row 1.
"""

from __future__ import annotations

import gc
import operator
import sys

import variants  # bench/ is on sys.path (this script's folder)

WARM_UP = 50


def main() -> int:
    variant, base_url, token_url, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    env_id, limit = (sys.argv[5], int(sys.argv[6])) if len(sys.argv) > 6 else (variants.ENV_ID, variants.DEFAULT_LIMIT)
    contenders = variants.Variants(base_url, token_url, env_id=env_id, limit=limit)
    call = contenders.calls[variant]
    for _ in range(WARM_UP):
        call()
    # The collector is off while the calls are counted: when a collection falls inside the window depends on
    # everything the process has allocated so far (this script's set-up included), and one full collection
    # moves the figure by more than the differences it is there to show. Collection costs are in the wall
    # and CPU rows, which run with the collector on.
    gc.collect()
    gc.disable()

    def measured() -> None:
        for _ in range(calls):
            call()

    operator.call(measured)
    contenders.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
