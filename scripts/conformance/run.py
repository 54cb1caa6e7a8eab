#!/usr/bin/env python3
"""Runs scim2-tester (the python-scim project's SCIM compliance checker) against a server.

Usage: run.py BASE_URL TOKEN [--json FILE]

Prints one line per check, "STATUS [ResourceType] title: reason", then a
last line "N passed, M failed". SUCCESS, COMPLIANT and ACCEPTABLE pass;
ERROR, CRITICAL and DEVIATION fail; SKIPPED is counted apart. Exits 0 only
when nothing failed and something passed.
"""

import argparse
import json
import sys

PASSED = {"SUCCESS", "COMPLIANT", "ACCEPTABLE"}
FAILED = {"ERROR", "CRITICAL", "DEVIATION"}


def squash(text, limit=300):
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base_url")
    ap.add_argument("token")
    ap.add_argument("--json", help="write every result here")
    args = ap.parse_args()

    from httpx2 import Client
    from scim2_client.engines.httpx2 import SyncSCIMClient
    from scim2_tester import check_server

    http = Client(
        base_url=args.base_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {args.token}"},
        timeout=30.0,
    )
    client = SyncSCIMClient(http)
    try:
        results = list(check_server(client))
    except Exception as exc:  # a crash of the suite is a failure, not a pass
        print(f"CRASH scim2-tester raised {type(exc).__name__}: {squash(exc)}")
        print("0 passed, 1 failed")
        return 1

    passed = failed = skipped = 0
    rows = []
    for r in results:
        status = r.status.name
        where = f"[{r.resource_type}] " if r.resource_type else ""
        reason = f": {squash(r.reason)}" if r.reason else ""
        print(f"{status} {where}{r.title}{reason}")
        passed += status in PASSED
        failed += status in FAILED
        skipped += status == "SKIPPED"
        rows.append({"status": status, "resource_type": r.resource_type, "title": r.title, "reason": r.reason})
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    print(f"skipped: {skipped}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
