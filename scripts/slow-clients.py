#!/usr/bin/env python3
"""Slow clients against a real scimd on loopback (docs/reliability.md#connections).

Starts `scimd serve` on a free port with a fresh SQLite database (default
limits unless flags follow `--`), opens N connections that never finish
their request head (half send a partial head and go silent, half keep
trickling one byte a second so that no idle timer fires), and meanwhile
asks GET /healthz on a new connection every 100 ms. It stops when the
server has closed every slow connection or after --limit seconds, then
prints when the slow connections were closed and the /healthz latencies.

Usage: scripts/slow-clients.py [--scimd target/debug/scimd] [-n 500]
                               [--limit 90] [-- extra serve flags]
Standard library only; loopback only; bounded in connections and time.
"""

import argparse
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time


def start(scimd, extra, tmp):
    proc = subprocess.Popen(
        [scimd, "serve", "--listen", "127.0.0.1:0", "--database",
         os.path.join(tmp, "scimd.db"), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("scimd listening on "):
            url = line.split()[-1]
            host, port = url.split("://")[1].split("/")[0].rsplit(":", 1)
            return proc, (host, int(port))
    proc.kill()
    sys.exit("scimd did not start")


def healthz(addr):
    """Latency of one GET /healthz on a new connection, in ms (None: failed)."""
    started = time.perf_counter()
    try:
        with socket.create_connection(addr, timeout=5) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        if not data.startswith(b"HTTP/1.1 200"):
            return None
    except OSError:
        return None
    return (time.perf_counter() - started) * 1000


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scimd", default="target/debug/scimd")
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--limit", type=float, default=90)
    ap.add_argument("extra", nargs="*")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, addr = start(args.scimd, args.extra, tmp)
        try:
            run(addr, args)
        finally:
            proc.terminate()
            proc.wait(timeout=40)


def run(addr, args):
    sel = selectors.DefaultSelector()
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000
    opened = time.time()
    slow = {}
    for i in range(args.n):
        s = socket.create_connection(addr)
        s.setblocking(False)
        s.sendall(head[:40])
        slow[s] = {"trickle": i % 2 == 1, "sent": 40, "closed": None}
        sel.register(s, selectors.EVENT_READ)
    print(f"{args.n} slow connections open in {time.time() - opened:.2f} s")
    latencies, failures = [], 0
    next_probe = next_trickle = time.time()
    while time.time() - opened < args.limit:
        if all(v["closed"] is not None for v in slow.values()):
            break
        now = time.time()
        if now >= next_probe:
            ms = healthz(addr)
            if ms is None:
                failures += 1
            else:
                latencies.append(ms)
            next_probe = now + 0.1
        if now >= next_trickle:
            for s, v in slow.items():
                if v["trickle"] and v["closed"] is None and v["sent"] < len(head):
                    try:
                        s.send(head[v["sent"]:v["sent"] + 1])
                        v["sent"] += 1
                    except OSError:
                        pass
            next_trickle = now + 1.0
        for key, _ in sel.select(timeout=0.02):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                slow[s]["closed"] = time.time() - opened
                sel.unregister(s)
                s.close()
    for kind, trickle in (("silent", False), ("trickling", True)):
        group = [v for v in slow.values() if v["trickle"] == trickle]
        closed = [v["closed"] for v in group if v["closed"] is not None]
        last = f"{max(closed):.1f} s" if closed else "-"
        first = f"{min(closed):.1f} s" if closed else "-"
        print(f"{kind}: {len(closed)}/{len(group)} closed by the server "
              f"(first after {first}, last after {last})")
    print(f"/healthz during the run: {len(latencies)} answered, {failures} failed; "
          f"p50 {percentile(latencies, 50):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
          f"max {max(latencies, default=float('nan')):.1f} ms")


if __name__ == "__main__":
    main()
