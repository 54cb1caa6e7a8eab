//! Tests of the request-target rewriter: HTTP/1.1 framing, split reads,
//! HPACK blocks split across frames.

use super::*;

/// Feeds `input` in pieces of `step` bytes.
fn rewrite(input: &[u8], step: usize) -> Vec<u8> {
    let mut r = Rewriter::default();
    let mut out = Vec::new();
    for chunk in input.chunks(step.max(1)) {
        r.feed(chunk, &mut out).unwrap();
    }
    r.finish(&mut out);
    out
}

fn check(input: &str, expected: &str) {
    for step in [1, 2, 3, 7, 64, 100_000] {
        assert_eq!(
            String::from_utf8(rewrite(input.as_bytes(), step)).unwrap(),
            expected,
            "step {step}: {input:?}"
        );
    }
}

#[test]
fn http1_targets() {
    check(
        "GET /Users?filter=userName+eq+\"a@b\" HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /Users?filter=userName+eq+%22a@b%22 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    check(
        "GET /a<b>`{|}\\^?q=<>` HTTP/1.1\r\n\r\n",
        "GET /a%3Cb%3E%60%7B%7C%7D%5C%5E?q=%3C%3E%60 HTTP/1.1\r\n\r\n",
    );
    // Headers and bodies are never touched; the next request is found
    // after a Content-Length body and after a chunked one.
    check(
        "POST /x\"1 HTTP/1.1\r\nContent-Length: 5\r\nX: \"q\"\r\n\r\n\"{}\"\nGET /y\"2 HTTP/1.1\r\n\r\n",
        "POST /x%221 HTTP/1.1\r\nContent-Length: 5\r\nX: \"q\"\r\n\r\n\"{}\"\nGET /y%222 HTTP/1.1\r\n\r\n",
    );
    check(
        "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=\"\r\n\"\"\"\r\n0\r\nT: \"\r\n\r\nGET /\" HTTP/1.1\r\n\r\n",
        "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=\"\r\n\"\"\"\r\n0\r\nT: \"\r\n\r\nGET /%22 HTTP/1.1\r\n\r\n",
    );
    // What the rewriter cannot follow passes through.
    check(
        "GET /a HTTP/1.1\r\nContent-Length: x\r\n\r\nGET /\" HTTP/1.1\r\n\r\n",
        "GET /a HTTP/1.1\r\nContent-Length: x\r\n\r\nGET /\" HTTP/1.1\r\n\r\n",
    );
    check("GE", "GE");
}

fn frame(kind: u8, flags: u8, id: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&id.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

#[test]
fn http2_paths() {
    let mut enc = hpack::Encoder::new();
    let block = enc.encode(vec![
        (&b":method"[..], &b"GET"[..]),
        (b":path", b"/Users?filter=userName eq \"a\""),
        (b"x-q", b"\"kept\""),
    ]);
    let (a, b) = block.split_at(block.len() / 2);
    let mut input = PREFACE.to_vec();
    input.extend(frame(0x4, 0, 0, &[]));
    input.extend(frame(
        HEADERS,
        END_STREAM | PADDED,
        1,
        &[&[2u8][..], a, &[0, 0]].concat(),
    ));
    input.extend(frame(CONTINUATION, END_HEADERS, 1, b));
    input.extend(frame(0x0, END_STREAM, 3, b"\"data\""));
    for step in [1, 5, 100_000] {
        let out = rewrite(&input, step);
        assert!(out.starts_with(PREFACE));
        let rest = &out[PREFACE.len()..];
        assert_eq!(&rest[..9], &frame(0x4, 0, 0, &[])[..]);
        let h = &rest[9..];
        let len = usize::from(h[2]) | usize::from(h[1]) << 8;
        assert_eq!((h[3], h[4]), (HEADERS, END_STREAM | END_HEADERS));
        let fields = hpack::Decoder::new().decode(&h[9..9 + len]).unwrap();
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(n, v)| (String::from_utf8(n).unwrap(), String::from_utf8(v).unwrap()))
            .collect();
        assert_eq!(
            fields,
            [
                (":method", "GET"),
                (":path", "/Users?filter=userName eq %22a%22"),
                ("x-q", "\"kept\"")
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        assert_eq!(&h[9 + len..], &frame(0x0, END_STREAM, 3, b"\"data\"")[..]);
    }
}

#[test]
fn long_header_blocks_are_split() {
    let mut r = Rewriter::default();
    let mut out = Vec::new();
    let mut enc = hpack::Encoder::new();
    let long = vec![b'v'; 40_000];
    let block = enc.encode(vec![(&b":path"[..], &b"/\""[..]), (b"x-long", &long[..])]);
    let mut input = PREFACE.to_vec();
    input.extend(frame(HEADERS, END_HEADERS, 1, &block));
    r.feed(&input, &mut out).unwrap();
    let mut rest = &out[PREFACE.len()..];
    let mut block = Vec::new();
    let mut kinds = Vec::new();
    while !rest.is_empty() {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        assert!(len <= FRAME);
        kinds.push((rest[3], rest[4] & END_HEADERS != 0));
        block.extend_from_slice(&rest[9..9 + len]);
        rest = &rest[9 + len..];
    }
    assert_eq!(
        kinds,
        [
            (HEADERS, false),
            (CONTINUATION, false),
            (CONTINUATION, true)
        ]
    );
    let fields = hpack::Decoder::new().decode(&block).unwrap();
    assert_eq!(fields[0].1, b"/%22");
    assert_eq!(fields[1].1, long);
}
