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

mod h2;
use h2::{h2_step, H2};

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
mod tests;
