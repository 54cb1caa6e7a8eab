//! The HTTP/2 half of the request-target rewriter ([`super`]): each
//! request's header block (HEADERS and its CONTINUATIONs) is decoded
//! (HPACK), its `:path` rewritten, and the block encoded again as literals
//! without indexing; every other frame passes through.

use super::*;

/// Where the HTTP/2 rewriter is in the frame stream.
pub(super) struct H2 {
    /// The frame header being read.
    pub(super) head: Vec<u8>,
    /// Payload bytes of a passed-through frame still to pass.
    pub(super) passing: usize,
    /// A HEADERS or CONTINUATION payload being read: its type, flags and
    /// length.
    pub(super) collecting: Option<(u8, u8, usize)>,
    pub(super) payload: Vec<u8>,
    /// The open header block: stream id, END_STREAM, priority fields.
    pub(super) block_of: Option<(u32, bool, Option<[u8; 5]>)>,
    pub(super) block: Vec<u8>,
    pub(super) decoder: hpack::Decoder<'static>,
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// One step of the HTTP/2 rewriter: the bytes of `input` it used.
pub(super) fn h2_step(s: &mut H2, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
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
