//! The idle timeout: a connection on which no byte moved in either
//! direction for the timeout is closed.
//!
//! [`Idle`] wraps the TCP stream under TLS and HTTP. Every read or write
//! that moves bytes records the time; when a read or write has to wait,
//! it also waits on a timer set to that time plus the timeout, and fails
//! with `TimedOut` when the timer fires first, which makes the server drop
//! the connection. It bounds what the HTTP servers' own timeouts do not:
//! an HTTP/2 connection left open without requests, a client that stops
//! reading its response, or one that stops sending a body.

use axum_server::accept::Accept;
use std::future::{ready, Future, Ready};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// A stream closed after `timeout` without traffic.
pub struct Idle<S> {
    inner: S,
    timeout: Duration,
    last: Instant,
    timer: Pin<Box<Sleep>>,
}

impl<S> Idle<S> {
    pub fn new(inner: S, timeout: Duration) -> Idle<S> {
        let last = Instant::now();
        Idle {
            inner,
            timeout,
            last,
            timer: Box::pin(tokio::time::sleep_until(last + timeout)),
        }
    }

    /// Called when the inner stream has to wait: ready with an error once
    /// the stream has been idle for the timeout.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let deadline = self.last + self.timeout;
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle for too long",
            )),
            Poll::Pending => Poll::Pending,
        }
    }

    fn waited<T>(&mut self, cx: &mut Context<'_>, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match r {
            Poll::Pending => self.poll_idle(cx).map(Err),
            r => r,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Idle<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.last = Instant::now();
        }
        this.waited(cx, r)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Idle<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.last = Instant::now();
        }
        this.waited(cx, r)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.last = Instant::now();
        }
        this.waited(cx, r)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.waited(cx, r)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.waited(cx, r)
    }
}

/// The acceptor that wraps each accepted stream in [`Idle`] (under TLS,
/// when the server's TLS acceptor wraps this one).
#[derive(Debug, Clone, Copy)]
pub struct IdleAcceptor {
    pub timeout: Duration,
}

impl<I, S> Accept<I, S> for IdleAcceptor {
    type Stream = Idle<I>;
    type Service = S;
    type Future = Ready<io::Result<(Idle<I>, S)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        ready(Ok((Idle::new(stream, self.timeout), service)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const SHORT: Duration = Duration::from_millis(50);

    #[tokio::test]
    async fn a_silent_peer_is_cut_off_and_traffic_is_passed_through() {
        let (near, mut far) = tokio::io::duplex(64);
        let mut s = Idle::new(near, SHORT);
        far.write_all(b"xy").await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(s.read(&mut buf).await.unwrap(), 2);
        s.write_all(b"z").await.unwrap();
        assert_eq!(far.read(&mut buf).await.unwrap(), 1);
        let e = s.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_peer_that_stops_reading_is_cut_off() {
        let (near, _far) = tokio::io::duplex(16);
        let mut s = Idle::new(near, SHORT);
        let e = s.write_all(&[0u8; 1024]).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }
}
