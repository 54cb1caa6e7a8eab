#!/usr/bin/env python3
"""A flood of bad bearer tokens against a real scimd on loopback
(docs/reliability.md#rate-limiting).

Starts `scimd serve` on a free port with a fresh SQLite database (default
limits unless flags follow `--`), then sends -n requests with random bad
tokens from one address on -c keep-alive connections, while the first
token (the IdP's, used once before the flood) keeps asking too. Prints how
many bad-token requests got 401 (looked up) and 429 (refused before any
lookup), the flood's rate, and the IdP's answers and latencies meanwhile.

Usage: scripts/bad-tokens.py [--scimd target/debug/scimd] [-n 20000] [-c 8]
                             [-- extra serve flags]
Standard library only; loopback only; bounded in requests.
"""

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time


def start(scimd, extra, tmp):
    # Stdout is a pipe, so the first token goes to a file of mode 0600.
    token_file = os.path.join(tmp, "first-token")
    proc = subprocess.Popen(
        [scimd, "serve", "--listen", "127.0.0.1:0", "--database",
         os.path.join(tmp, "scimd.db"), "--first-token-file", token_file,
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline().strip()
        if line.startswith("scimd listening on "):
            with open(token_file) as f:
                token = f.read().strip()
            host, port = line.split("://")[1].split("/")[0].rsplit(":", 1)
            return proc, host, int(port), token
    proc.kill()
    sys.exit("scimd did not start")


def get(conn, token):
    conn.request("GET", "/scim/v2/Users?count=1",
                 headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    r.read()
    return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimd", default="target/debug/scimd")
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("-c", type=int, default=8)
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, host, port, good = start(args.scimd, args.extra, tmp)
        try:
            run(host, port, good, args)
        finally:
            proc.terminate()
            proc.wait(timeout=40)


def run(host, port, good, args):
    idp = http.client.HTTPConnection(host, port, timeout=10)
    assert get(idp, good) == 200
    counts, lock = {}, threading.Lock()
    per = args.n // args.c

    def flood():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        local = {}
        for _ in range(per):
            s = get(conn, "scimd_" + secrets.token_urlsafe(32))
            local[s] = local.get(s, 0) + 1
        with lock:
            for k, v in local.items():
                counts[k] = counts.get(k, 0) + v

    threads = [threading.Thread(target=flood) for _ in range(args.c)]
    started = time.time()
    for t in threads:
        t.start()
    idp_status, idp_ms = {}, []
    while any(t.is_alive() for t in threads):
        t0 = time.perf_counter()
        s = get(idp, good)
        idp_ms.append((time.perf_counter() - t0) * 1000)
        idp_status[s] = idp_status.get(s, 0) + 1
        time.sleep(0.05)
    for t in threads:
        t.join()
    secs = time.time() - started
    idp_ms.sort()
    p99 = idp_ms[min(len(idp_ms) - 1, int(len(idp_ms) * 0.99))] if idp_ms else float("nan")
    print(f"bad tokens: {per * args.c} requests in {secs:.1f} s "
          f"({per * args.c / secs:.0f}/s): {counts}")
    print(f"the IdP's token meanwhile: {idp_status}; p50 "
          f"{idp_ms[len(idp_ms) // 2]:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
