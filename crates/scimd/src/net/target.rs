//! Unencoded characters in the request target: `"`, `<`, `>`, `` ` ``,
//! `{`, `}`, `|`, `\` and `^` in a path or query are read as if they were
//! percent-encoded (`%22` …), on every listener, with and without TLS, over
//! HTTP/1.1 and HTTP/2 (`docs/reliability.md#request-targets`).
//!
//! Some SCIM clients (Microsoft's SCIM validator among them) send
//! `?filter=userName eq "a@example.com"` with raw quotes; hyper's URI parser
//! refuses them with a bare 400 before any of scimd's code runs. [`Target`]
//! wraps each accepted stream (above TLS) and rewrites what the client sends
//! before hyper reads it:
//!
//! - HTTP/1.1: the request line's target; the rest of each request (headers,
//!   a body framed by `Content-Length` or chunked) passes through unchanged,
//!   followed to find where the next request line begins;
//! - HTTP/2 (after the connection preface): each request's header block is
//!   decoded (HPACK), `:path` rewritten, and the block encoded again as
//!   literals without indexing, so the server's decoder keeps no dynamic
//!   table the client's encoder would have to agree with. Every other frame
//!   passes through.
//!
//! Anything the rewriter cannot follow (a malformed head, an oversized
//! line) switches it to passing bytes through, which leaves the refusal to
//! hyper, as before. The bytes it holds are bounded: one HTTP/1 header
//! line, or one HTTP/2 header block (`MAX_BLOCK`).

use axum_server::accept::Accept;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The HTTP/2 connection preface.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The longest HTTP/1 header or chunk-size line followed; longer ones
/// switch the rewriter to pass-through (hyper refuses them anyway).
const MAX_LINE: usize = 64 * 1024;
/// The largest HTTP/2 header block (HEADERS and its CONTINUATIONs) held.
const MAX_BLOCK: usize = 256 * 1024;
/// The frame size the server accepts without a SETTINGS saying more
/// (RFC 9113 §4.2): re-encoded blocks are split into frames of at most this.
const FRAME: usize = 16_384;

const HEADERS: u8 = 0x1;
const CONTINUATION: u8 = 0x9;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// Whether a byte of a request target is read as if percent-encoded.
pub fn unencoded(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
    )
}

fn push_byte(out: &mut Vec<u8>, b: u8) {
    if unencoded(b) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
    } else {
        out.push(b);
    }
}

/// A request target with the [`unencoded`] bytes percent-encoded.
pub fn encode_target(target: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(target.len());
    for &b in target {
        push_byte(&mut out, b);
    }
    out
}

/// Where the HTTP/1 rewriter is in the request stream.
enum H1 {
    /// The request line; `spaces` counted so far (the target lies between
    /// the first and the second).
    Line {
        spaces: u8,
    },
    /// The header section; the current line, and the framing found so far.
    Head {
        line: Vec<u8>,
        length: u64,
        chunked: bool,
    },
    Body(u64),
    ChunkSize(Vec<u8>),
    ChunkData(u64),
    /// The line end after a chunk's data.
    ChunkEnd,
    /// The trailer section; the current line's length.
    Trailers(usize),
}

/// Where the HTTP/2 rewriter is in the frame stream.
struct H2 {
    /// The frame header being read.
    head: Vec<u8>,
    /// Payload bytes of a passed-through frame still to pass.
    passing: usize,
    /// A HEADERS or CONTINUATION payload being read: its type, flags and
    /// length.
    collecting: Option<(u8, u8, usize)>,
    payload: Vec<u8>,
    /// The open header block: stream id, END_STREAM, priority fields.
    block_of: Option<(u32, bool, Option<[u8; 5]>)>,
    block: Vec<u8>,
    decoder: hpack::Decoder<'static>,
}

enum Mode {
    /// The first bytes, until they tell HTTP/2's preface from HTTP/1.
    Detect(Vec<u8>),
    H1(H1),
    H2(Box<H2>),
    Pass,
}

/// The rewriter of the bytes a client sends: bytes in, bytes out.
pub struct Rewriter {
    mode: Mode,
}

impl Default for Rewriter {
    fn default() -> Self {
        Rewriter {
            mode: Mode::Detect(Vec::new()),
        }
    }
}

impl Rewriter {
    /// Rewrites `input`, appending what hyper should read to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        while !input.is_empty() {
            let used = match &mut self.mode {
                Mode::Pass => {
                    out.extend_from_slice(input);
                    input.len()
                }
                Mode::Detect(seen) => {
                    let take = (PREFACE.len() - seen.len()).min(input.len());
                    seen.extend_from_slice(&input[..take]);
                    if !PREFACE.starts_with(seen) {
                        let seen = std::mem::take(seen);
                        self.mode = Mode::H1(H1::Line { spaces: 0 });
                        self.feed(&seen, out)?;
                    } else if seen.len() == PREFACE.len() {
                        out.extend_from_slice(PREFACE);
                        self.mode = Mode::H2(Box::new(H2 {
                            head: Vec::with_capacity(9),
                            passing: 0,
                            collecting: None,
                            payload: Vec::new(),
                            block_of: None,
                            block: Vec::new(),
                            decoder: hpack::Decoder::new(),
                        }));
                    }
                    take
                }
                Mode::H1(h1) => match h1_step(h1, input, out) {
                    Some(n) => n,
                    None => {
                        self.mode = Mode::Pass;
                        0
                    }
                },
                Mode::H2(h2) => h2_step(h2, input, out)?,
            };
            input = &input[used..];
        }
        Ok(())
    }

    /// At the end of the stream: what is held back is passed on.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if let Mode::Detect(seen) = &mut self.mode {
            out.append(seen);
        }
    }
}

fn hex(line: &[u8]) -> Option<u64> {
    let end = line.iter().position(|&b| b == b';').unwrap_or(line.len());
    let s = std::str::from_utf8(&line[..end]).ok()?.trim();
    u64::from_str_radix(s, 16).ok()
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// One step of the HTTP/1 rewriter: the bytes of `input` it used, or
/// `None` when it cannot follow the stream (pass-through from then on).
fn h1_step(state: &mut H1, input: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    match state {
        H1::Line { spaces } => {
            for (i, &b) in input.iter().enumerate() {
                match b {
                    b'\n' => {
                        out.push(b);
                        *state = H1::Head {
                            line: Vec::new(),
                            length: 0,
                            chunked: false,
                        };
                        return Some(i + 1);
                    }
                    b' ' => {
                        *spaces = spaces.saturating_add(1);
                        out.push(b);
                    }
                    _ if *spaces == 1 => push_byte(out, b),
                    _ => out.push(b),
                }
            }
            Some(input.len())
        }
        H1::Head {
            line,
            length,
            chunked,
        } => {
            // Nothing of `input` is written before the line is understood,
            // so that `None` leaves all of it to the pass-through.
            let Some(i) = input.iter().position(|&b| b == b'\n') else {
                if line.len() + input.len() > MAX_LINE {
                    return None;
                }
                line.extend_from_slice(input);
                out.extend_from_slice(input);
                return Some(input.len());
            };
            if line.len() + i > MAX_LINE {
                return None;
            }
            line.extend_from_slice(&input[..i]);
            let l = trim_cr(line);
            if l.is_empty() {
                out.extend_from_slice(&input[..=i]);
                *state = if *chunked {
                    H1::ChunkSize(Vec::new())
                } else if *length > 0 {
                    H1::Body(*length)
                } else {
                    H1::Line { spaces: 0 }
                };
                return Some(i + 1);
            }
            let (name, value) = l.split_at(l.iter().position(|&b| b == b':')?);
            let value = std::str::from_utf8(&value[1..]).ok()?.trim();
            if name.eq_ignore_ascii_case(b"content-length") {
                *length = value.parse().ok()?;
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                *chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"));
            }
            out.extend_from_slice(&input[..=i]);
            line.clear();
            Some(i + 1)
        }
        H1::Body(left) | H1::ChunkData(left) => {
            let n = usize::try_from(*left)
                .unwrap_or(usize::MAX)
                .min(input.len());
            out.extend_from_slice(&input[..n]);
            *left -= n as u64;
            if *left == 0 {
                *state = match state {
                    H1::Body(_) => H1::Line { spaces: 0 },
                    _ => H1::ChunkEnd,
                };
            }
            Some(n)
        }
        H1::ChunkSize(line) => {
            let Some(i) = input.iter().position(|&b| b == b'\n') else {
                if line.len() + input.len() > MAX_LINE {
                    return None;
                }
                line.extend_from_slice(input);
                out.extend_from_slice(input);
                return Some(input.len());
            };
            line.extend_from_slice(&input[..i]);
            let size = hex(trim_cr(line))?;
            out.extend_from_slice(&input[..=i]);
            *state = match size {
                0 => H1::Trailers(0),
                n => H1::ChunkData(n),
            };
            Some(i + 1)
        }
        H1::ChunkEnd => {
            let i = input.iter().position(|&b| b == b'\n');
            let n = i.map_or(input.len(), |i| i + 1);
            out.extend_from_slice(&input[..n]);
            if i.is_some() {
                *state = H1::ChunkSize(Vec::new());
            }
            Some(n)
        }
        H1::Trailers(len) => {
            for (i, &b) in input.iter().enumerate() {
                out.push(b);
                match b {
                    b'\n' if *len == 0 => {
                        *state = H1::Line { spaces: 0 };
                        return Some(i + 1);
                    }
                    b'\n' => *len = 0,
                    b'\r' => {}
                    _ => *len += 1,
                }
            }
            Some(input.len())
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// One step of the HTTP/2 rewriter: the bytes of `input` it used.
fn h2_step(s: &mut H2, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
    if s.passing > 0 {
        let n = s.passing.min(input.len());
        out.extend_from_slice(&input[..n]);
        s.passing -= n;
        return Ok(n);
    }
    if let Some((kind, flags, len)) = s.collecting {
        let n = (len - s.payload.len()).min(input.len());
        s.payload.extend_from_slice(&input[..n]);
        if s.payload.len() == len {
            s.collecting = None;
            let payload = std::mem::take(&mut s.payload);
            header_frame(s, kind, flags, &payload, out)?;
        }
        return Ok(n);
    }
    let n = (9 - s.head.len()).min(input.len());
    s.head.extend_from_slice(&input[..n]);
    if s.head.len() == 9 {
        let h = std::mem::take(&mut s.head);
        let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
        let (kind, flags) = (h[3], h[4]);
        if kind == HEADERS || kind == CONTINUATION {
            if len + s.block.len() > MAX_BLOCK {
                return Err(invalid("HTTP/2 header block too large"));
            }
            let id = u32::from_be_bytes([h[5], h[6], h[7], h[8]]) & 0x7fff_ffff;
            if kind == HEADERS {
                s.block_of = Some((id, flags & END_STREAM != 0, None));
            }
            s.collecting = Some((kind, flags, len));
            if len == 0 {
                s.collecting = None;
                header_frame(s, kind, flags, &[], out)?;
            }
        } else {
            out.extend_from_slice(&h);
            s.passing = len;
        }
    }
    Ok(n)
}

/// A whole HEADERS or CONTINUATION payload: its fragment joins the block;
/// at END_HEADERS the block is rewritten and sent on.
fn header_frame(s: &mut H2, kind: u8, flags: u8, p: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    let mut frag = p;
    if kind == HEADERS {
        if flags & PADDED != 0 {
            let (&pad, rest) = frag.split_first().ok_or_else(|| invalid("padding"))?;
            frag = rest
                .get(..rest.len().saturating_sub(usize::from(pad)))
                .filter(|_| usize::from(pad) <= rest.len())
                .ok_or_else(|| invalid("padding"))?;
        }
        if flags & PRIORITY != 0 {
            let (prio, rest) = frag
                .split_at_checked(5)
                .ok_or_else(|| invalid("priority"))?;
            if let Some((_, _, p)) = &mut s.block_of {
                *p = Some([prio[0], prio[1], prio[2], prio[3], prio[4]]);
            }
            frag = rest;
        }
    }
    s.block.extend_from_slice(frag);
    if flags & END_HEADERS == 0 {
        return Ok(());
    }
    let (id, end_stream, prio) = s
        .block_of
        .take()
        .ok_or_else(|| invalid("CONTINUATION without HEADERS"))?;
    let block = std::mem::take(&mut s.block);
    let decoder = &mut s.decoder;
    let fields = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoder.decode(&block)))
        .map_err(|_| invalid("HPACK"))?
        .map_err(|_| invalid("HPACK"))?;
    let mut encoded = Vec::with_capacity(block.len() + 64);
    for (name, value) in &fields {
        let value = if name.as_slice() == b":path" {
            encode_target(value)
        } else {
            value.clone()
        };
        literal(&mut encoded, name, &value);
    }
    let mut first = true;
    let mut rest: &[u8] = &encoded;
    loop {
        let mut flags = 0;
        let mut payload = Vec::new();
        if first && end_stream {
            flags |= END_STREAM;
        }
        if first {
            if let Some(p) = prio {
                flags |= PRIORITY;
                payload.extend_from_slice(&p);
            }
        }
        let room = FRAME - payload.len();
        let (chunk, tail) = rest.split_at(room.min(rest.len()));
        payload.extend_from_slice(chunk);
        if tail.is_empty() {
            flags |= END_HEADERS;
        }
        let len = payload.len();
        out.extend_from_slice(&[(len >> 16) as u8, (len >> 8) as u8, len as u8]);
        out.push(if first { HEADERS } else { CONTINUATION });
        out.push(flags);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&payload);
        first = false;
        rest = tail;
        if rest.is_empty() {
            return Ok(());
        }
    }
}

/// An HPACK integer with an `n`-bit prefix (RFC 7541 §5.1).
fn integer(out: &mut Vec<u8>, first: u8, n: u32, mut v: usize) {
    let max = (1usize << n) - 1;
    if v < max {
        out.push(first | v as u8);
        return;
    }
    out.push(first | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// A literal header field without indexing, new name, no Huffman
/// (RFC 7541 §6.2.2).
fn literal(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0);
    integer(out, 0, 7, name.len());
    out.extend_from_slice(name);
    integer(out, 0, 7, value.len());
    out.extend_from_slice(value);
}

/// A stream whose incoming bytes pass through a [`Rewriter`].
pub struct Target<S> {
    inner: S,
    rewriter: Rewriter,
    /// Rewritten bytes not yet read, from `at`.
    ready: Vec<u8>,
    at: usize,
    eof: bool,
}

impl<S> Target<S> {
    pub fn new(inner: S) -> Target<S> {
        Target {
            inner,
            rewriter: Rewriter::default(),
            ready: Vec::new(),
            at: 0,
            eof: false,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Target<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.at < this.ready.len() {
                let n = (this.ready.len() - this.at).min(buf.remaining());
                buf.put_slice(&this.ready[this.at..this.at + n]);
                this.at += n;
                if this.at == this.ready.len() {
                    this.ready.clear();
                    this.at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut raw = [0u8; 8192];
            let mut rb = ReadBuf::new(&mut raw);
            match Pin::new(&mut this.inner).poll_read(cx, &mut rb) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                    this.eof = true;
                    this.rewriter.finish(&mut this.ready);
                }
                Poll::Ready(Ok(())) => this.rewriter.feed(rb.filled(), &mut this.ready)?,
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Target<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

type Accepted<St, Sv> = Pin<Box<dyn Future<Output = io::Result<(Target<St>, Sv)>> + Send>>;

/// The acceptor that wraps what `inner` accepts (the TLS stream, or the
/// TCP stream) in [`Target`].
#[derive(Debug, Clone)]
pub struct TargetAcceptor<A> {
    pub inner: A,
}

impl<I, S, A> Accept<I, S> for TargetAcceptor<A>
where
    A: Accept<I, S>,
    A::Future: Send + 'static,
    A::Stream: 'static,
    A::Service: 'static,
{
    type Stream = Target<A::Stream>;
    type Service = A::Service;
    type Future = Accepted<A::Stream, A::Service>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let f = self.inner.accept(stream, service);
        Box::pin(async move {
            let (s, svc) = f.await?;
            Ok((Target::new(s), svc))
        })
    }
}

#[cfg(test)]
mod tests {
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
}
