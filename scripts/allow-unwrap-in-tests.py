#!/usr/bin/env python3
"""Adds the test-only lint allowance to every integration test file that lacks it.

Integration tests (crates/*/tests/*.rs) may unwrap: a panic is a failed test.
Helper functions there are not `#[test]` functions, so clippy's
allow-unwrap-in-tests does not cover them; this inner attribute does.
"""
import glob

LINE = "#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]"
for path in glob.glob("crates/*/tests/*.rs"):
    text = open(path).read()
    if LINE in text:
        continue
    lines = text.split("\n")
    i = 0
    while i < len(lines) and lines[i].startswith("//!"):
        i += 1
    lines.insert(i, "\n" + LINE)
    open(path, "w").write("\n".join(lines))
    print("added to", path)
