#!/usr/bin/env python3
"""Extract the example representations of RFC 7643 / RFC 7644 into test fixtures.

Usage:
    python3 scripts/extract-rfc-examples.py RFC_DIR [FIXTURES_DIR] [--check]

RFC_DIR holds rfc7643.txt and rfc7644.txt (plain-text RFC Editor format).
FIXTURES_DIR defaults to crates/scim-core/tests/fixtures next to this script.
With --check nothing is written: the script fails if a fixture on disk
differs from what it would write.

What is extracted (file names are fixed in the tables below, in document
order; the script fails if the RFC does not yield exactly those examples):

    rfc7643/8.1-minimal-user.json ... 8.6-resource-types.json
        RFC 7643 section 8.1-8.6, Figures 3-8 (one JSON text per section).
    rfc7644/patch/NN-<name>.json + README.md
        Every JSON body of a PATCH request in RFC 7644 sections 3.5.2.1,
        3.5.2.2 and 3.5.2.3. (Figure 6 in section 3.5.2 itself is not a
        request example and is not JSON: it contains
        "... + additional operations if needed ...".)
    rfc7644/bulk/NN-<name>.json + README.md
        Every complete JSON body (requests and responses, including the
        responses to the follow-up GET requests) in RFC 7644 sections
        3.7.1-3.7.3. The two "status" fragments at the top of 3.7.3 are not
        complete JSON texts and are not extracted.
    rfc7644/filters.txt
        RFC 7644 section 3.4.2.2 Figure 2, one filter per line, without the
        "filter=" prefix; wrapped filters are joined with one space.

How the paginated text is turned back into JSON:

1. Sections are located by their body heading (the last line that equals
   the heading; the table of contents entry has dot leaders) and end at the
   next numbered heading.
2. A JSON example starts at a line whose first non-blank character is "{"
   (or "[{") and ends at the next line, at the same indentation, made only
   of "}" / "]" characters. HTTP request/status lines and headers above it
   are recorded (and checked against the tables below) but not kept.
3. Page footers ("Hunt, et al.  Standards Track  [Page N]"), page headers
   ("RFC 764x  <title>  September 2015") and form feeds are dropped. Blank
   lines and indentation outside strings are insignificant JSON whitespace.
4. A line break inside a string literal is joined: the break and the
   indentation that follows are removed, and replaced by nothing when the
   text on both sides is base64 (the x509Certificates value in RFC 7643
   8.2 / 8.3, which then decodes strictly as base64 / DER) and by one space
   otherwise. Every such join is printed. In all other examples the RFC
   breaks lines before a string, never inside one.
5. The minimal syntax fixes in SYNTAX_FIXES are applied to single RFC lines
   (each checked against the published text, and each must be used once);
   everything else, including RFC content errors and abbreviations such as
   "2819c223...413861904646", is kept exactly as published.
6. The text is parsed with json.loads (duplicate keys rejected) and written
   with json.dumps(indent=2, ensure_ascii=False), key order preserved.
   Every written JSON file is then re-read with json.load.

Only the Python standard library is used.
"""

import base64
import json
import os
import re
import sys

# ---------------------------------------------------------------------------
# Tables: what each section must yield, in document order.
# ---------------------------------------------------------------------------

RFC7643_EXAMPLES = [
    # (section heading, output file)
    ("8.1.  Minimal User Representation", "8.1-minimal-user.json"),
    ("8.2.  Full User Representation", "8.2-full-user.json"),
    ("8.3.  Enterprise User Extension Representation", "8.3-enterprise-user.json"),
    ("8.4.  Group Representation", "8.4-group.json"),
    ("8.5.  Service Provider Configuration Representation", "8.5-service-provider-config.json"),
    ("8.6.  Resource Type Representation", "8.6-resource-types.json"),
]

PATCH_SECTIONS = [
    "3.5.2.1.  Add Operation",
    "3.5.2.2.  Remove Operation",
    "3.5.2.3.  Replace Operation",
]

# (short name, section, HTTP request line prefix or None, resource, RFC-stated result)
PATCH_EXAMPLES = [
    ("add-member", "3.5.2.1", "PATCH /Groups/", "Group",
     "Babs Jensen (2819c223-…) is added to `members`; if the user already was a member, "
     "nothing changes and success is returned. The server answers 200 with the whole Group "
     "or 204 No Content (the RFC shows 204 with `ETag: W/\"b431af54f0671a2\"`)."),
    ("add-pathless-emails-nickname", "3.5.2.1", "PATCH /Users/", "User",
     "No `path`: the value's attributes are added to the resource. `babs@jensen.org` (home) is "
     "added to multi-valued `emails`; `nickname` is added, or replaced if it already had a value."),
    ("remove-single-member", "3.5.2.2", "PATCH /Groups/", "Group",
     "The member whose `value` matches the filter is removed; if the user was not a member, "
     "nothing changes and success is returned."),
    ("remove-all-members", "3.5.2.2", "PATCH /Groups/", "Group",
     "Multi-valued attribute without filter: `members` and all its values are removed and the "
     "attribute is unassigned."),
    ("remove-email-filter", "3.5.2.2", None, "User (inferred: the RFC omits the request line)",
     "The `emails` values with type \"work\" and a value ending in \"example.com\" are removed; "
     "if no value remains, `emails` is unassigned."),
    ("remove-and-add-member", "3.5.2.2", "PATCH /Groups/", "Group",
     "Member 2819c223…413861904646 is removed, then James Smith (08e1d05d…473d93df9210) "
     "is added (applied in order, atomically)."),
    ("replace-members-remove-add", "3.5.2.2", "PATCH /Groups/", "Group",
     "All members are replaced by a different list (remove all, then add): afterwards the "
     "members are Babs Jensen and James Smith."),
    ("replace-members", "3.5.2.3", "PATCH /Groups/", "Group",
     "Same result as 07 in a single `replace`: `members` becomes exactly Babs Jensen and "
     "James Smith."),
    ("replace-work-address", "3.5.2.3", "PATCH /Users/", "User",
     "The entire \"work\" address (matched by the valuePath filter) is replaced by the value; "
     "as it sets `primary` to true, the server resets `primary` to false on any other address."),
    ("replace-address-street", "3.5.2.3", "PATCH /Users/", "User",
     "Only `streetAddress` of the matching \"work\" address(es) becomes \"1010 Broadway Ave\"; "
     "other sub-attributes unchanged (no matching record would be 400 `noTarget`)."),
    ("replace-pathless", "3.5.2.3", "PATCH /Users/", "User",
     "No `path`: all values of `emails` are replaced by the two given and `nickname` is "
     "replaced; other attributes are unaffected."),
]

BULK_SECTIONS = [
    "3.7.1.  Circular Reference Processing",
    '3.7.2.  "bulkId" Temporary Identifiers',
    "3.7.3.  Response and Error Handling",
]

# (short name, section, HTTP request/status line prefix, what it is)
BULK_EXAMPLES = [
    ("circular-reference-request", "3.7.1", "POST /v2/Bulk",
     "BulkRequest creating Group A and Group B, each a member of the other (bulkId cross-references)."),
    ("circular-reference-get-groups-response", "3.7.1", "HTTP/1.1 200 OK",
     "ListResponse of `GET /v2/Groups?filter=displayName sw 'Group'` once the circular references are resolved."),
    ("bulkid-request", "3.7.2", "POST /v2/Bulk",
     "BulkRequest creating User Alice and Group Tour Guides with member `bulkId:qwerty`."),
    ("bulkid-response", "3.7.2", "HTTP/1.1 200 OK",
     "BulkResponse: both POSTs 201 (`status` published as an object `{\"code\": \"201\"}`)."),
    ("bulkid-get-group-response", "3.7.2", "HTTP/1.1 200 OK",
     "Group Tour Guides from a follow-up GET, with Alice's real id as member value."),
    ("bulkid-extension-manager-request", "3.7.2", "POST /v2/Bulk",
     "BulkRequest creating Alice and Bob, Bob's enterprise `manager.value` = `bulkId:qwerty`."),
    ("add-update-remove-request", "3.7.3", "POST /v2/Bulk",
     "BulkRequest with failOnErrors 1: POST, PUT, PATCH and DELETE of Users."),
    ("add-update-remove-response", "3.7.3", "HTTP/1.1 200 OK",
     "BulkResponse: 201, 200, 200, 204."),
    ("stop-on-error-response", "3.7.3", "HTTP/1.1 200 OK",
     "BulkResponse when creating Alice fails: processing stops after the first error (400 invalidSyntax)."),
    ("all-failed-response", "3.7.3", "HTTP/1.1 200 OK",
     "BulkResponse without failOnErrors where every operation failed (400, 412, 412, 404)."),
]

FILTERS_SECTION = "3.4.2.2.  Filtering"
FILTERS_START = "The following are examples of valid filters."
FILTERS_END = "Figure 2: Example Filters"
FILTERS_EXPECTED = 17

# Minimal JSON syntax fixes: (rfc file, 1-based line, published text, replacement, why).
# Each is checked against the RFC and must be applied exactly once.
SYNTAX_FIXES = [
    ("rfc7644.txt", 2113, "     }]", "     }}]",
     'patch/02: the "value" object is never closed; added the missing "}".'),
    ("rfc7644.txt", 2612, "     }]", "     }}]",
     'patch/11: the "value" object is never closed; added the missing "}".'),
    ("rfc7644.txt", 3315, '"data": {[', '"data": {"Operations":[',
     'bulk/07: "data": {[ ... ]} is an object holding a bare array; added the member name '
     '"Operations" (a PATCH body holds its operations there). "schemas" is still absent, as published.'),
    ("rfc7644.txt", 3401, '"scimType":"invalidSyntax"', '"scimType":"invalidSyntax",',
     'bulk/09: missing "," after "scimType":"invalidSyntax".'),
    ("rfc7644.txt", 3440, '"scimType":"invalidSyntax"', '"scimType":"invalidSyntax",',
     'bulk/10: missing "," after "scimType":"invalidSyntax".'),
]

# Things kept as published that a test author should know about.
PATCH_NOTES = [
    'Ids and URLs abbreviated by the RFC with "..." are kept verbatim, e.g. '
    '`"https://example.com/v2/Users/2819c223...413861904646"`, `"2819c223-7f76-...413861904646"` (03), '
    '`"2819c223...919d-413861904646"` (06), `"08e1d05d...473d93df9210"` (06, 08) and `"2819c223...413861904646"` (08). '
    'The request URIs (not kept) are likewise abbreviated: `/Groups/acbf3ae7-8463-...-9b4da3f908ce`.',
    '06: the path is published as `members[value eq\\"2819c223...919d-413861904646\\"]`, with no space '
    'between `eq` and the quoted value (the filter ABNF requires SP there). Kept as published.',
    '02 and 11 spell the attribute `nickname`; the RFC 7643 User attribute is `nickName` '
    '(attribute names are case-insensitive). Kept as published.',
    '10: the RFC prose calls `streetAddress` a sub-attribute of "emails"; the path targets `addresses`.',
    '05 has no request line (the RFC says "request headers removed for brevity"); the resource is '
    'inferred from the `emails` attribute.',
    '01 is the only example whose response the RFC shows (204 No Content, no body); the RFC says server '
    'responses are omitted for the remaining PATCH examples.',
    'Not extracted: Figure 6 in section 3.5.2 (general form, not valid JSON: '
    '"... + additional operations if needed ...") and the bare `"path"` values of Figure 8.',
]

BULK_NOTES = [
    '07: the POST data has `"schemas": ["urn:ietf:params:scim:api:messages:2.0:User"]` '
    '(not the core User schema URI) and the PATCH `data` lacks `"schemas"`. Kept as published.',
    '04 publishes `status` as an object `{"code": "201"}`; 08-10 publish it as a string `"201"`.',
    'Not extracted: the two fragments at the start of section 3.7.3 (`"status": "201"` and a failed '
    'operation\'s `"status"`/`"response"` members); they are not complete JSON texts.',
]

# ---------------------------------------------------------------------------
# Text handling.
# ---------------------------------------------------------------------------

FOOTER = re.compile(r"^Hunt, et al\.\s+Standards Track\s+\[Page \d+\]\s*$")
HEADER = re.compile(r"^RFC 764[34]\s+.*\s+September 2015\s*$")
HEADING = re.compile(r"^\d+(\.\d+)*\.\s\s\S")
REQUEST_OR_STATUS = re.compile(r"^\s*((GET|POST|PUT|PATCH|DELETE) \S|HTTP/1\.1 \d{3})")
HTTP_HEADER = re.compile(r"^\s*[A-Za-z][A-Za-z-]*:(\s|$)")
HEADER_CONTINUATION = re.compile(r'^\s+"?https?://\S+$')
BASE64 = re.compile(r"^[A-Za-z0-9+/=]+$")


class Rfc:
    """An RFC text with its pagination removed line by line (line numbers kept)."""

    def __init__(self, path):
        self.name = os.path.basename(path)
        with open(path, encoding="utf-8") as fh:
            raw = fh.read().split("\n")
        self.lines = []
        for line in raw:
            line = line.replace("\f", "").rstrip()
            if FOOTER.match(line) or HEADER.match(line):
                line = ""
            self.lines.append(line)

    def section(self, title):
        """(first, end) 0-based line range of the body of section `title`."""
        starts = [i for i, line in enumerate(self.lines) if line == title]
        if not starts:
            raise SystemExit(f"{self.name}: section heading not found: {title!r}")
        start = starts[-1]
        end = next((i for i in range(start + 1, len(self.lines)) if HEADING.match(self.lines[i])),
                   len(self.lines))
        return start + 1, end


def find_json_blocks(rfc, first, end):
    """JSON examples in a line range: list of (first, last, http_line or None)."""
    blocks = []
    i = first
    while i < end:
        m = re.match(r"^(\s*)(\{|\[\{)", rfc.lines[i])
        if not m:
            i += 1
            continue
        indent = m.group(1)
        close = re.compile("^" + indent + r"[}\]]+\s*$")
        last = next((j for j in range(i, end) if close.match(rfc.lines[j])), None)
        if last is None:
            raise SystemExit(f"{rfc.name}: no closing line for JSON starting at line {i + 1}")
        blocks.append((i, last, http_line_before(rfc, i)))
        i = last + 1
    return blocks


def http_line_before(rfc, i):
    """The request or status line directly above a body (over headers), or None."""
    j = i - 1
    while j >= 0:
        line = rfc.lines[j]
        if REQUEST_OR_STATUS.match(line):
            return line.strip()
        if line == "" or HTTP_HEADER.match(line) or HEADER_CONTINUATION.match(line):
            j -= 1
            continue
        return None
    return None


def block_text(rfc, first, last, used_fixes):
    fixes = {ln: (old, new) for f, ln, old, new, _ in SYNTAX_FIXES if f == rfc.name}
    parts, line_of = [], []
    for idx in range(first, last + 1):
        line = rfc.lines[idx]
        lineno = idx + 1
        if lineno in fixes:
            old, new = fixes[lineno]
            if old not in line:
                raise SystemExit(f"{rfc.name}: syntax fix for line {lineno} no longer matches: {line!r}")
            line = line.replace(old, new, 1)
            used_fixes.append((rfc.name, lineno))
        parts.append(line + "\n")
        line_of.extend([lineno] * (len(line) + 1))
    return "".join(parts), line_of


def join_wrapped_strings(text, line_of, label, joins):
    """Remove line breaks inside string literals (see module docstring, step 4)."""
    out, out_line = [], []
    in_string = escaped = False
    literal_start = 0
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
                before = "".join(out[literal_start:])
                after = re.split(r'["\n]', text[j:], maxsplit=1)[0]
                sep = "" if BASE64.match(before) and BASE64.match(after) else " "
                joins.append((label, line_of[i], "base64, no space" if sep == "" else "one space"))
                out.append(sep)
                out_line.append(line_of[i])
                i = j
                continue
        elif ch == '"':
            in_string = True
            literal_start = len(out) + 1
        out.append(ch)
        out_line.append(line_of[i])
        i += 1
    return "".join(out), out_line


def reject_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError(f"duplicate keys {dups}")
    return dict(pairs)


def parse_block(rfc, first, last, label, used_fixes, joins):
    text, line_of = block_text(rfc, first, last, used_fixes)
    js, js_line = join_wrapped_strings(text, line_of, label, joins)
    try:
        return json.loads(js, object_pairs_hook=reject_duplicate_keys)
    except json.JSONDecodeError as err:
        lineno = js_line[min(err.pos, len(js_line) - 1)]
        raise SystemExit(f"{label}: invalid JSON near {rfc.name} line {lineno}: {err.msg}")


def dump(obj):
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------
# Extraction.
# ---------------------------------------------------------------------------

def extract_rfc7643(rfc, used_fixes, joins):
    files = {}
    for title, name in RFC7643_EXAMPLES:
        first, end = rfc.section(title)
        blocks = find_json_blocks(rfc, first, end)
        if len(blocks) != 1:
            raise SystemExit(f"{title}: expected 1 JSON example, found {len(blocks)}")
        b_first, b_last, _ = blocks[0]
        obj = parse_block(rfc, b_first, b_last, "rfc7643/" + name, used_fixes, joins)
        files["rfc7643/" + name] = (dump(obj), f"RFC 7643 lines {b_first + 1}-{b_last + 1}")
    return files


def section_blocks(rfc, titles):
    found = []
    for title in titles:
        first, end = rfc.section(title)
        number = title.split(".  ")[0]
        found.extend((number, b) for b in find_json_blocks(rfc, first, end))
    return found


def check_table(kind, found, table):
    if len(found) != len(table):
        raise SystemExit(f"{kind}: expected {len(table)} JSON examples, found {len(found)}")
    for n, ((section, (first, _, http)), row) in enumerate(zip(found, table), 1):
        name, want_section, want_http = row[0], row[1], row[2]
        ok_http = (http is None) if want_http is None else (http or "").startswith(want_http)
        if section != want_section or not ok_http:
            raise SystemExit(f"{kind} {n:02d}-{name}: expected section {want_section} / {want_http!r}, "
                             f"found section {section} / {http!r} at line {first + 1}")


def extract_patch(rfc, used_fixes, joins):
    found = section_blocks(rfc, PATCH_SECTIONS)
    check_table("patch", found, PATCH_EXAMPLES)
    files = {}
    for n, ((_, (first, last, http)), row) in enumerate(zip(found, PATCH_EXAMPLES), 1):
        name = f"rfc7644/patch/{n:02d}-{row[0]}.json"
        obj = parse_block(rfc, first, last, name, used_fixes, joins)
        if obj.get("schemas") != ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]:
            raise SystemExit(f"{name}: not a PatchOp body")
        files[name] = (dump(obj), f"RFC 7644 lines {first + 1}-{last + 1} ({http or 'no request line'})")
    files["rfc7644/patch/README.md"] = (patch_readme(found), "generated")
    return files


def extract_bulk(rfc, used_fixes, joins):
    found = section_blocks(rfc, BULK_SECTIONS)
    check_table("bulk", found, BULK_EXAMPLES)
    files = {}
    for n, ((_, (first, last, http)), row) in enumerate(zip(found, BULK_EXAMPLES), 1):
        name = f"rfc7644/bulk/{n:02d}-{row[0]}.json"
        obj = parse_block(rfc, first, last, name, used_fixes, joins)
        files[name] = (dump(obj), f"RFC 7644 lines {first + 1}-{last + 1} ({http})")
    files["rfc7644/bulk/README.md"] = (bulk_readme(found), "generated")
    return files


def extract_filters(rfc):
    first, end = rfc.section(FILTERS_SECTION)
    lines = rfc.lines[first:end]
    start = next(i for i, line in enumerate(lines) if FILTERS_START in line)
    stop = next(i for i, line in enumerate(lines) if line.strip() == FILTERS_END)
    filters = []
    start = next(i for i in range(start, stop) if lines[i].startswith("filter="))
    for line in lines[start:stop]:
        if line.startswith("filter="):
            filters.append(line[len("filter="):].strip())
        elif line.strip():
            if not filters or not line.startswith(" "):
                raise SystemExit(f"unexpected line in Figure 2: {line!r}")
            filters[-1] = (filters[-1] + " " + line.strip()).strip()
    if len(filters) != FILTERS_EXPECTED or not all(filters):
        raise SystemExit(f"Figure 2: expected {FILTERS_EXPECTED} filters, found {len(filters)}")
    return {"rfc7644/filters.txt": ("\n".join(filters) + "\n",
                                    f"RFC 7644 lines {first + start + 1}-{first + stop}")}


def fixes_for(prefix):
    return [why for *_, why in SYNTAX_FIXES if why.startswith(prefix)]


def patch_readme(found):
    out = [
        "# RFC 7644 PATCH examples",
        "",
        "Generated by `scripts/extract-rfc-examples.py` from RFC 7644 sections 3.5.2.1-3.5.2.3: every",
        "JSON body of a PATCH request example, in document order. Do not edit by hand.",
        "",
        "| File | RFC section | Patches | What the RFC says the result is |",
        "|---|---|---|---|",
    ]
    for n, ((_, (first, last, http)), row) in enumerate(zip(found, PATCH_EXAMPLES), 1):
        name, section, _, resource, result = row
        out.append(f"| `{n:02d}-{name}.json` | §{section} (lines {first + 1}-{last + 1}) "
                   f"| {resource} | {result} |")
    out += ["", "## Syntax fixes (the published text is not valid JSON)", ""]
    out += [f"- RFC 7644 line {ln}: `{old.strip()}` → `{new.strip()}`. {why}"
            for f, ln, old, new, why in SYNTAX_FIXES if why.startswith("patch/")]
    out += ["", "## Kept as published", ""]
    out += [f"- {note}" for note in PATCH_NOTES]
    return "\n".join(out) + "\n"


def bulk_readme(found):
    out = [
        "# RFC 7644 bulk examples",
        "",
        "Generated by `scripts/extract-rfc-examples.py` from RFC 7644 sections 3.7.1-3.7.3: every",
        "complete JSON request and response body, in document order. Do not edit by hand.",
        "",
        "| File | RFC section | HTTP message | Content |",
        "|---|---|---|---|",
    ]
    for n, ((_, (first, last, http)), row) in enumerate(zip(found, BULK_EXAMPLES), 1):
        name, section, _, what = row
        out.append(f"| `{n:02d}-{name}.json` | §{section} (lines {first + 1}-{last + 1}) "
                   f"| `{http}` | {what} |")
    out += ["", "## Syntax fixes (the published text is not valid JSON)", ""]
    out += [f"- RFC 7644 line {ln}: `{old.strip()}` → `{new.strip()}`. {why}"
            for f, ln, old, new, why in SYNTAX_FIXES if why.startswith("bulk/")]
    out += ["", "## Kept as published", ""]
    out += [f"- {note}" for note in BULK_NOTES]
    return "\n".join(out) + "\n"


def check_base64_joins(files):
    """Strings joined without a space must be strict base64 of a DER SEQUENCE."""
    for path, (content, _) in files.items():
        if not path.startswith("rfc7643/"):
            continue
        doc = json.loads(content)
        for cert in doc.get("x509Certificates", []) if isinstance(doc, dict) else []:
            der = base64.b64decode(cert["value"], validate=True)
            if der[:2] != b"\x30\x82" or int.from_bytes(der[2:4], "big") + 4 != len(der):
                raise SystemExit(f"{path}: x509Certificates value is not one DER certificate")


def main(argv):
    args = [a for a in argv[1:] if a != "--check"]
    check = "--check" in argv[1:]
    if len(args) not in (1, 2):
        raise SystemExit(__doc__.split("\n\n")[1])
    rfc_dir = args[0]
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = args[1] if len(args) == 2 else os.path.join(
        here, "..", "crates", "scim-core", "tests", "fixtures")

    rfc7643 = Rfc(os.path.join(rfc_dir, "rfc7643.txt"))
    rfc7644 = Rfc(os.path.join(rfc_dir, "rfc7644.txt"))
    used_fixes, joins = [], []
    files = {}
    files.update(extract_rfc7643(rfc7643, used_fixes, joins))
    files.update(extract_patch(rfc7644, used_fixes, joins))
    files.update(extract_filters(rfc7644))
    files.update(extract_bulk(rfc7644, used_fixes, joins))

    expected_fixes = sorted((f, ln) for f, ln, *_ in SYNTAX_FIXES)
    if sorted(used_fixes) != expected_fixes:
        raise SystemExit(f"syntax fixes used {sorted(used_fixes)}, expected each of {expected_fixes} once")
    check_base64_joins(files)

    stale = []
    for path, (content, origin) in files.items():
        full = os.path.join(out_dir, path)
        if check:
            try:
                with open(full, encoding="utf-8") as fh:
                    same = fh.read() == content
            except FileNotFoundError:
                same = False
            if not same:
                stale.append(path)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(content)
        print(f"wrote {path}  <- {origin}")

    for path in files:
        if path.endswith(".json"):
            with open(os.path.join(out_dir, path), encoding="utf-8") as fh:
                json.load(fh)

    print(f"\n{sum(p.endswith('.json') for p in files)} JSON files load with json.load")
    print("strings re-joined across line breaks:")
    for label, lineno, mode in joins:
        print(f"  {label}: line {lineno}: {mode}")
    print("syntax fixes applied:")
    for f, ln, old, new, why in SYNTAX_FIXES:
        print(f"  {f}:{ln}: {old.strip()!r} -> {new.strip()!r}  ({why})")
    if stale:
        raise SystemExit("out of date: " + ", ".join(stale))


if __name__ == "__main__":
    main(sys.argv)
