#!/usr/bin/env python3
"""Extract the SCIM schema representations published in RFC 7643 into JSON files.

Usage:
    python3 scripts/extract-rfc-schemas.py RFC7643_TXT OUTPUT_DIR

RFC 7643 section 8.7.1 ("Resource Schema Representation", Figure 9) and
section 8.7.2 ("Service Provider Schema Representation", Figure 10) each
publish one JSON array of SCIM schema definitions:

    8.7.1: User, Group, EnterpriseUser
    8.7.2: ServiceProviderConfig, ResourceType, Schema

This script turns the paginated plain-text RFC back into the JSON that the
RFC publishes, without changing its content:

1. Locate each section heading (the body heading, not the table of contents
   entry), then the figure: from the first line that is exactly "[" to the
   next line that is exactly "]" (both at column 0 in the RFC).
2. Drop the pagination artifacts inside the figure: page footers
   ("Hunt, et al.  Standards Track  [Page N]"), page headers
   ("RFC 7643  SCIM Core Schema  September 2015") and form feeds.
   Blank lines and indentation outside string literals are insignificant
   JSON whitespace and are left to the JSON parser.
3. Re-join string literals that the RFC wrapped across lines (raw newlines
   are not allowed inside JSON strings). A line break inside a string,
   together with the indentation / blank lines that follow it, becomes a
   single space. No published line break in these figures falls inside a
   word or after a hyphen, so this restores the text as published.
4. Apply the minimal syntax fixes listed in SYNTAX_FIXES (currently none:
   both figures are valid JSON once pages and wrapped strings are undone),
   then parse with json.loads. Known RFC errata in *content* (e.g. "$ref"
   sub-attributes lacking some characteristics, "referenceTypes" values)
   are deliberately kept as published.
5. Write each schema object to its own file, pretty-printed with
   json.dumps(obj, indent=2, ensure_ascii=False) and key order preserved:

    user.json, group.json, enterprise_user.json,
    service_provider_config.json, resource_type.json, schema.json

Finally it re-loads every written file with json.load and prints a summary
of the attribute names (top level and sub-attributes) of each schema.

Only the Python standard library is used.
"""

import json
import os
import re
import sys

SECTIONS = [
    ("8.7.1.  Resource Schema Representation", 3),
    ("8.7.2.  Service Provider Schema Representation", 3),
]

OUTPUT_FILES = {
    "urn:ietf:params:scim:schemas:core:2.0:User": "user.json",
    "urn:ietf:params:scim:schemas:core:2.0:Group": "group.json",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "enterprise_user.json",
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig": "service_provider_config.json",
    "urn:ietf:params:scim:schemas:core:2.0:ResourceType": "resource_type.json",
    "urn:ietf:params:scim:schemas:core:2.0:Schema": "schema.json",
}

# Minimal syntax fixes, applied to individual RFC lines before parsing:
# (1-based RFC line number, exact published text, replacement text).
# Each entry is checked against the RFC so a stale fix fails loudly.
# Empty: the published figures parse as JSON without any fix.
SYNTAX_FIXES = []

FOOTER = re.compile(r"^Hunt, et al\.\s+Standards Track\s+\[Page \d+\]\s*$")
HEADER = re.compile(r"^RFC 7643\s+SCIM Core Schema\s+September 2015\s*$")


def find_figure(lines, title):
    """Return (first, last) 0-based indices of the JSON array under `title`."""
    starts = [i for i, line in enumerate(lines) if line.rstrip() == title]
    if not starts:
        raise SystemExit(f"section heading not found: {title!r}")
    start = starts[-1]  # the body heading; the TOC entry has dot leaders
    first = next(i for i in range(start, len(lines)) if lines[i].rstrip() == "[")
    last = next(i for i in range(first, len(lines)) if lines[i].rstrip() == "]")
    return first, last


def figure_text(lines, first, last):
    """Figure lines without pagination, plus a char -> RFC line number map."""
    fixes = {ln: (old, new) for ln, old, new in SYNTAX_FIXES}
    text_parts, line_of = [], []
    for idx in range(first, last + 1):
        line = lines[idx].replace("\f", "").rstrip()
        if FOOTER.match(line) or HEADER.match(line):
            continue
        lineno = idx + 1
        if lineno in fixes:
            old, new = fixes[lineno]
            if old not in line:
                raise SystemExit(f"syntax fix for line {lineno} no longer matches: {line!r}")
            line = line.replace(old, new, 1)
        text_parts.append(line + "\n")
        line_of.extend([lineno] * (len(line) + 1))
    return "".join(text_parts), line_of


def join_wrapped_strings(text, line_of):
    """Replace line breaks inside string literals (and following whitespace) by one space."""
    out, out_line = [], []
    in_string = escaped = False
    i = 0
    while i < len(text):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            elif ch == "\n":
                j = i
                while j < len(text) and text[j] in " \t\n":
                    j += 1
                out.append(" ")
                out_line.append(line_of[i])
                i = j
                continue
        elif ch == '"':
            in_string = True
        out.append(ch)
        out_line.append(line_of[i])
        i += 1
    return "".join(out), out_line


def reject_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = {k for k in keys if keys.count(k) > 1}
    if dups:
        raise ValueError(f"duplicate keys {sorted(dups)}")
    return dict(pairs)


def extract(rfc_path):
    with open(rfc_path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    schemas = []
    for title, expected in SECTIONS:
        first, last = find_figure(lines, title)
        text, line_of = figure_text(lines, first, last)
        js, js_line = join_wrapped_strings(text, line_of)
        try:
            array = json.loads(js, object_pairs_hook=reject_duplicate_keys)
        except json.JSONDecodeError as err:
            lineno = js_line[min(err.pos, len(js_line) - 1)]
            raise SystemExit(f"{title}: invalid JSON near RFC line {lineno}: {err.msg}")
        if not isinstance(array, list) or len(array) != expected:
            raise SystemExit(f"{title}: expected an array of {expected} schemas")
        print(f"{title}: RFC lines {first + 1}-{last + 1}, {len(array)} schemas")
        schemas.extend(array)
    return schemas


def attribute_names(attrs, prefix=""):
    for attr in attrs:
        yield prefix + attr["name"]
        yield from attribute_names(attr.get("subAttributes", []), prefix + attr["name"] + ".")


def main(argv):
    if len(argv) != 3:
        raise SystemExit(__doc__.split("\n\n")[1])
    rfc_path, out_dir = argv[1], argv[2]
    schemas = extract(rfc_path)
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for schema in schemas:
        name = OUTPUT_FILES.get(schema.get("id"))
        if name is None:
            raise SystemExit(f"unexpected schema id {schema.get('id')!r}")
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    if sorted(os.path.basename(p) for p in written) != sorted(OUTPUT_FILES.values()):
        raise SystemExit("did not produce exactly one file per expected schema")

    for path in written:
        with open(path, encoding="utf-8") as fh:
            schema = json.load(fh)
        top = [a["name"] for a in schema["attributes"]]
        every = list(attribute_names(schema["attributes"]))
        print(f"\n{os.path.basename(path)}: {schema['id']}")
        print(f"  {len(top)} top-level attributes, {len(every) - len(top)} sub-attributes")
        for attr_name in every:
            print("    " + attr_name)


if __name__ == "__main__":
    main(sys.argv)
