//! The one refusal hyper would answer itself: a request whose target (path and query) is longer
//! than 65 534 bytes. hyper's HTTP/1 parser checks that before any service runs
//! (`proto::h1::role`, `MAX_URI_LEN`, not configurable — and `http::Uri` cannot hold a longer
//! one either) and writes a bare `414` with no body, then closes the connection. So every
//! connection's bytes pass through [`GuardedIo`] on their way to hyper: it follows HTTP/1.1
//! framing (request lines, heads, `Content-Length` and chunked bodies) to know where each request
//! line starts, and hands hyper a stand-in for an over-long one — the same method and version,
//! target [`STAND_IN`]`/{length}` — which the router answers with `URI_TOO_LONG` in the error
//! shape; the connection then goes on. From anything it does not follow exactly (an upgrade,
//! CONNECT, HTTP/2, unusual framing) on, it passes the connection's bytes through untouched.
//!
//! Knowing where each request stands, it also ends connections of clients too slow to be
//! served ([`ClientTimeouts`], against slowloris): a head (request line and headers) must arrive
//! whole within `head` of its first byte — and a new connection's first head within `head` of
//! connecting — and a body may stall no longer than `body` while the server waits for it. The
//! connection is then closed (hyper sees a read error). The other way round, a client that
//! stops reading what it is sent (a live picture, the video wall's socket, an export) holds
//! the server's writes for no longer than `write`: the connection is then closed too (hyper,
//! or the WebSocket after an upgrade, sees a write error), giving back what it held.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// Longest request target hyper (and `http::Uri`) takes.
pub const MAX_TARGET: usize = 65_534;
/// The target an over-long one is replaced with, followed by `/{its length in bytes}`.
pub const STAND_IN: &str = "/api/uri-too-long";
/// Longest method (before a target) or version (after one) looked for.
const MAX_WORD: usize = 32;
/// A head (request line and headers) longer than hyper buffers: hyper refuses it itself.
const MAX_HEAD: usize = 512 * 1024;
/// Longest chunk-size or trailer line followed.
const MAX_CHUNK_LINE: usize = 4096;

/// Where the connection's byte stream is.
#[derive(Debug)]
enum State {
    /// Before or within a request line (empty lines before one pass as they are); `scanned`
    /// bytes of it were looked at for the target's end already.
    Line {
        line: Vec<u8>,
        scanned: usize,
    },
    /// Within an over-long target (dropped, counted), then its version.
    Dropping {
        method: Vec<u8>,
        length: usize,
        version: Option<Vec<u8>>,
    },
    /// The header lines of a head; `line_start` is where the current one began.
    Headers {
        head: Vec<u8>,
        line_start: usize,
        connect: bool,
    },
    /// A body of this many more bytes.
    Body(u64),
    ChunkSize(Vec<u8>),
    ChunkData(u64),
    /// The line ending a chunk's data.
    ChunkEnd(Vec<u8>),
    Trailers(Vec<u8>),
    /// Not followed any more: everything passes.
    Through,
}

impl State {
    fn next_request() -> Self {
        Self::Line {
            line: Vec::new(),
            scanned: 0,
        }
    }
}

/// The guard's reading of one connection: bytes in, bytes for hyper out.
#[derive(Debug)]
struct Framing {
    state: State,
    /// Whether a head was read whole on this connection.
    served: bool,
}

impl Default for Framing {
    fn default() -> Self {
        Self {
            state: State::next_request(),
            served: false,
        }
    }
}

/// Moves `input` up to and including its first LF onto `line`: how much it took, and whether
/// the line is complete.
fn take_line(line: &mut Vec<u8>, input: &[u8]) -> (usize, bool) {
    let end = input.iter().position(|&b| b == b'\n');
    let used = end.map_or(input.len(), |end| end + 1);
    line.extend_from_slice(&input[..used]);
    (used, end.is_some())
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// How the body after a complete head is framed, read as hyper would; `Through` for anything
/// not plainly `Content-Length` or `Transfer-Encoding: chunked`.
fn body_after(head: &[u8], connect: bool) -> State {
    if connect {
        return State::Through;
    }
    let mut lengths = Vec::new();
    let mut encodings = Vec::new();
    for line in head.split(|&b| b == b'\n').map(trim_line_end) {
        if line.is_empty() {
            continue;
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            return State::Through;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return State::Through;
        };
        let name = line[..colon].to_ascii_lowercase();
        let value = line[colon + 1..].trim_ascii();
        match name.as_slice() {
            b"upgrade" => return State::Through,
            b"content-length" => lengths.push(value),
            b"transfer-encoding" => encodings.push(value),
            _ => {}
        }
    }
    match (lengths.as_slice(), encodings.as_slice()) {
        ([], []) => State::next_request(),
        ([], [chunked]) if chunked.eq_ignore_ascii_case(b"chunked") => State::ChunkSize(Vec::new()),
        ([length], []) if !length.is_empty() && length.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(length)
                .ok()
                .and_then(|l| l.parse().ok())
                .map_or(State::Through, |n: u64| match n {
                    0 => State::next_request(),
                    n => State::Body(n),
                })
        }
        _ => State::Through,
    }
}

fn chunk_size(line: &[u8]) -> Option<u64> {
    let size = trim_line_end(line)
        .split(|&b| b == b';')
        .next()?
        .trim_ascii();
    u64::from_str_radix(std::str::from_utf8(size).ok()?, 16).ok()
}

/// Within an over-long target: counts and drops it up to its space, then reads the version
/// and hands hyper the stand-in line: how much of `input` it read, and whether the line ended.
fn drop_target(
    method: &[u8],
    length: &mut usize,
    version: &mut Option<Vec<u8>>,
    input: &[u8],
    out: &mut Vec<u8>,
) -> io::Result<(usize, bool)> {
    let refused = |why| Err(io::Error::new(io::ErrorKind::InvalidData, why));
    let Some(line) = version else {
        return match input
            .iter()
            .position(|&b| matches!(b, b' ' | b'\r' | b'\n'))
        {
            None => {
                *length += input.len();
                Ok((input.len(), false))
            }
            Some(end) if input[end] == b' ' => {
                *length += end;
                *version = Some(Vec::new());
                Ok((end + 1, false))
            }
            Some(_) => refused("an over-long request line without an HTTP version"),
        };
    };
    let (used, complete) = take_line(line, input);
    if line.len() > MAX_WORD {
        return refused("an over-long request target followed by more than a version");
    }
    if complete {
        out.extend_from_slice(method);
        out.extend_from_slice(format!(" {STAND_IN}/{length} ").as_bytes());
        out.extend_from_slice(trim_line_end(line));
        out.extend_from_slice(b"\r\n");
    }
    Ok((used, complete))
}

/// How many bytes of `input` belong to a body with `left` more to come (taken off `left`).
fn bytes_of(left: &mut u64, input: &[u8]) -> usize {
    let used = usize::try_from(*left).map_or(input.len(), |left| left.min(input.len()));
    *left -= used as u64;
    used
}

impl Framing {
    /// Reads `input`, the next bytes of the connection, and appends what hyper is to read.
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
        while !input.is_empty() {
            let used = self.step(input, out)?;
            input = &input[used..];
        }
        Ok(())
    }

    /// Reads some of `input` (at least one byte) in the current state: how much.
    fn step(&mut self, input: &[u8], out: &mut Vec<u8>) -> io::Result<usize> {
        let (used, next) = match &mut self.state {
            State::Through => (input.len(), None),
            State::Line { line, scanned } => {
                let (used, complete) = take_line(line, input);
                let (line, scanned) = (std::mem::take(line), *scanned);
                // What the line took past an over-long target is read again, as its version.
                let again = self.request_line(line, scanned, complete, out);
                return Ok(used - again);
            }
            State::Dropping {
                method,
                length,
                version,
            } => {
                let (used, done) = drop_target(method, length, version, input, out)?;
                if done {
                    let connect = method.as_slice() == b"CONNECT";
                    self.state = State::Headers {
                        head: Vec::new(),
                        line_start: 0,
                        connect,
                    };
                }
                return Ok(used);
            }
            State::Headers {
                head,
                line_start,
                connect,
            } => {
                let (used, complete) = take_line(head, input);
                let next = if head.len() > MAX_HEAD {
                    Some(State::Through)
                } else if complete && trim_line_end(&head[*line_start..]).is_empty() {
                    self.served = true;
                    Some(body_after(head, *connect))
                } else {
                    if complete {
                        *line_start = head.len();
                    }
                    None
                };
                (used, next)
            }
            State::Body(left) => {
                let used = bytes_of(left, input);
                (used, (*left == 0).then(State::next_request))
            }
            State::ChunkData(left) => {
                let used = bytes_of(left, input);
                (used, (*left == 0).then(|| State::ChunkEnd(Vec::new())))
            }
            State::ChunkSize(line) => {
                let (used, complete) = take_line(line, input);
                let next = match (complete, chunk_size(line)) {
                    _ if line.len() > MAX_CHUNK_LINE => Some(State::Through),
                    (false, _) => None,
                    (true, Some(0)) => Some(State::Trailers(Vec::new())),
                    (true, Some(size)) => Some(State::ChunkData(size)),
                    (true, None) => Some(State::Through),
                };
                (used, next)
            }
            State::ChunkEnd(line) | State::Trailers(line) => {
                let (used, complete) = take_line(line, input);
                let next = if line.len() > MAX_CHUNK_LINE {
                    Some(State::Through)
                } else if !complete {
                    None
                } else if !trim_line_end(line).is_empty() {
                    // A trailer field, or a chunk's data longer than its size said.
                    let trailer = matches!(self.state, State::Trailers(_));
                    Some(if trailer {
                        State::Trailers(Vec::new())
                    } else {
                        State::Through
                    })
                } else if matches!(self.state, State::Trailers(_)) {
                    Some(State::next_request())
                } else {
                    Some(State::ChunkSize(Vec::new()))
                };
                (used, next)
            }
        };
        out.extend_from_slice(&input[..used]);
        if let Some(next) = next {
            self.state = next;
        }
        Ok(used)
    }

    /// A request line read so far (`complete` when it ends with its LF): passed on when it is
    /// short, dropped when its target runs past [`MAX_TARGET`]. Answers how many of its last
    /// bytes came after the over-long target's end (to be read again, as its version).
    fn request_line(
        &mut self,
        mut line: Vec<u8>,
        scanned: usize,
        complete: bool,
        out: &mut Vec<u8>,
    ) -> usize {
        let Some(space) = line.iter().position(|&b| b == b' ') else {
            self.state = if complete {
                // An empty line between requests, or one hyper refuses.
                out.extend_from_slice(&line);
                State::next_request()
            } else if line.len() > MAX_WORD {
                out.extend_from_slice(&line);
                State::Through
            } else {
                State::Line { line, scanned: 0 }
            };
            return 0;
        };
        let from = scanned.max(space + 1);
        let target_length = line[from..]
            .iter()
            .position(|&b| matches!(b, b' ' | b'\r' | b'\n'))
            .map_or(line.len(), |end| from + end)
            - (space + 1);
        if target_length > MAX_TARGET {
            let tail = line.split_off(space + 1 + target_length);
            line.truncate(space);
            self.state = State::Dropping {
                method: line,
                length: target_length,
                version: None,
            };
            return tail.len();
        }
        if !complete {
            // A short target followed by more than a version is not a request line to follow.
            let past = line.len() > space + 1 + MAX_TARGET + MAX_WORD;
            if past {
                out.extend_from_slice(&line);
            }
            self.state = if past {
                State::Through
            } else {
                // Where the target ended, or how far it runs without an end yet.
                let scanned = space + 1 + target_length;
                State::Line { line, scanned }
            };
            return 0;
        }
        out.extend_from_slice(&line);
        let version = trim_line_end(&line).rsplit(|&b| b == b' ').next();
        self.state = if matches!(version, Some(b"HTTP/1.1" | b"HTTP/1.0")) {
            State::Headers {
                head: Vec::new(),
                line_start: 0,
                connect: line.starts_with(b"CONNECT "),
            }
        } else {
            State::Through
        };
        0
    }
}

/// How long the server waits for a slow client's request (see the module's description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTimeouts {
    /// For a whole head, from its first byte (for a new connection's first one, from
    /// connecting).
    pub head: Duration,
    /// For the next bytes of a body the server is waiting for.
    pub body: Duration,
    /// For the client to take any of what the server is sending.
    pub write: Duration,
}

impl Default for ClientTimeouts {
    fn default() -> Self {
        Self {
            head: Duration::from_secs(30),
            body: Duration::from_mins(1),
            write: Duration::from_mins(1),
        }
    }
}

impl Framing {
    /// Within a request's head (a new connection's first one counts from the start).
    fn in_head(&self) -> bool {
        match &self.state {
            State::Line { line, .. } => !self.served || !line.is_empty(),
            State::Dropping { .. } | State::Headers { .. } => true,
            _ => false,
        }
    }

    fn in_body(&self) -> bool {
        matches!(
            self.state,
            State::Body(_)
                | State::ChunkSize(_)
                | State::ChunkData(_)
                | State::ChunkEnd(_)
                | State::Trailers(_)
        )
    }
}

/// The deadline a connection's reads run against.
#[derive(Debug)]
struct Deadlines {
    timeouts: ClientTimeouts,
    /// The head under way must be complete by then.
    head: Option<Pin<Box<Sleep>>>,
    /// The body the server waits for must go on by then.
    body: Option<Pin<Box<Sleep>>>,
    /// The client must take some of what the server sends by then.
    write: Option<Pin<Box<Sleep>>>,
}

impl Deadlines {
    fn new(timeouts: ClientTimeouts) -> Self {
        Self {
            timeouts,
            head: Some(Box::pin(tokio::time::sleep(timeouts.head))),
            body: None,
            write: None,
        }
    }

    /// A write could not go on: whether the client has taken nothing for too long.
    fn write_stalled(&mut self, cx: &mut Context<'_>) -> bool {
        let write = self.timeouts.write;
        self.write
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(write)))
            .as_mut()
            .poll(cx)
            .is_ready()
    }

    /// After bytes arrived: the head deadline runs from a head's first byte to its end; the
    /// body's is set only when the server has to wait.
    fn arrived(&mut self, framing: &Framing) {
        if !framing.in_head() {
            self.head = None;
        } else if self.head.is_none() {
            self.head = Some(Box::pin(tokio::time::sleep(self.timeouts.head)));
        }
        self.body = None;
    }

    /// The server waits for the client: whether it has waited too long.
    fn expired(&mut self, framing: &Framing, cx: &mut Context<'_>) -> bool {
        if framing.in_body() && self.body.is_none() {
            self.body = Some(Box::pin(tokio::time::sleep(self.timeouts.body)));
        }
        let mut late = |sleep: &mut Option<Pin<Box<Sleep>>>| {
            sleep
                .as_mut()
                .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready())
        };
        (framing.in_head() && late(&mut self.head)) || (framing.in_body() && late(&mut self.body))
    }
}

/// A connection whose bytes hyper reads through [`Framing`].
#[derive(Debug)]
pub struct GuardedIo<I> {
    io: I,
    framing: Framing,
    /// Read from the connection, not yet framed.
    raw: Box<[u8]>,
    /// Framed, for hyper, from `sent` on.
    ready: Vec<u8>,
    sent: usize,
    deadlines: Option<Deadlines>,
}

impl<I> GuardedIo<I> {
    /// Without read timeouts.
    pub fn new(io: I) -> Self {
        Self {
            io,
            framing: Framing::default(),
            raw: vec![0; 16 * 1024].into_boxed_slice(),
            ready: Vec::new(),
            sent: 0,
            deadlines: None,
        }
    }

    pub fn with_timeouts(io: I, timeouts: ClientTimeouts) -> Self {
        Self {
            deadlines: Some(Deadlines::new(timeouts)),
            ..Self::new(io)
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for GuardedIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.sent < this.ready.len() || buf.remaining() == 0 {
                let given = buf.remaining().min(this.ready.len() - this.sent);
                buf.put_slice(&this.ready[this.sent..this.sent + given]);
                this.sent += given;
                return Poll::Ready(Ok(()));
            }
            this.ready.clear();
            this.sent = 0;
            let mut raw = ReadBuf::new(&mut this.raw);
            if Pin::new(&mut this.io).poll_read(cx, &mut raw)?.is_pending() {
                if let Some(deadlines) = &mut this.deadlines
                    && deadlines.expired(&this.framing, cx)
                {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent its request too slowly",
                    )));
                }
                return Poll::Pending;
            }
            if raw.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
            this.framing.feed(raw.filled(), &mut this.ready)?;
            if let Some(deadlines) = &mut this.deadlines {
                deadlines.arrived(&this.framing);
            }
        }
    }
}

impl<I> GuardedIo<I> {
    /// Passes on how a write went; one that could not go on for the write timeout fails.
    fn written<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        let Some(deadlines) = &mut self.deadlines else {
            return poll;
        };
        if poll.is_ready() {
            deadlines.write = None;
            return poll;
        }
        if deadlines.write_stalled(cx) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client took nothing of what it was sent",
            )));
        }
        Poll::Pending
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for GuardedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write(cx, buf);
        this.written(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.written(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.io).poll_flush(cx);
        this.written(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// A listener whose connections are read through the guard, with these read timeouts.
#[derive(Debug)]
pub struct Guarded<L>(pub L, pub ClientTimeouts);

impl<L: Listener> Listener for Guarded<L> {
    type Io = GuardedIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, address) = self.0.accept().await;
        (GuardedIo::with_timeouts(io, self.1), address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(pieces: &[&[u8]]) -> Vec<u8> {
        let mut framing = Framing::default();
        let mut out = Vec::new();
        for piece in pieces {
            framing.feed(piece, &mut out).unwrap();
        }
        out
    }

    /// The same bytes fed whole and one at a time.
    fn both_ways(stream: &[u8]) -> Vec<u8> {
        let whole = framed(&[stream]);
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(framed(&bytes), whole, "byte by byte");
        whole
    }

    fn long_get(length: usize) -> Vec<u8> {
        let mut request = b"GET /api/grids/search?q=".to_vec();
        request.resize(length + 4, b'x');
        request.extend_from_slice(b" HTTP/1.1\r\nhost: a\r\n\r\n");
        request
    }

    #[test]
    fn requests_with_short_targets_pass_untouched_whatever_their_bodies_hold() {
        let run = "A".repeat(100_000);
        let stream = [
            "\r\nGET /api/health HTTP/1.1\r\nhost: a\r\n\r\n".to_owned(),
            format!("POST /api/tickets HTTP/1.1\r\nContent-Length: {}\r\n\r\n{run}", run.len()),
            format!("POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n{:x};ext=1\r\n{run}\r\n0\r\nx-trailer: 1\r\n\r\n", run.len()),
            "GET /api/summary HTTP/1.0\n\n".to_owned(),
        ]
        .concat();
        assert_eq!(both_ways(stream.as_bytes()), stream.as_bytes());
    }

    #[test]
    fn an_over_long_target_becomes_the_stand_in_and_the_connection_goes_on() {
        let body = "B".repeat(MAX_TARGET + 10);
        let mut stream = format!(
            "POST /a HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes();
        stream.extend(long_get(MAX_TARGET + 1));
        stream.extend_from_slice(b"GET /api/health HTTP/1.1\r\n\r\n");
        let expected = [
            format!(
                "POST /a HTTP/1.1\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ),
            format!(
                "GET {STAND_IN}/{} HTTP/1.1\r\nhost: a\r\n\r\n",
                MAX_TARGET + 1
            ),
            "GET /api/health HTTP/1.1\r\n\r\n".to_owned(),
        ]
        .concat();
        assert_eq!(both_ways(&stream), expected.as_bytes());
        assert_eq!(both_ways(&long_get(MAX_TARGET)), long_get(MAX_TARGET));
    }

    #[test]
    fn after_an_upgrade_or_unusual_framing_every_byte_passes_untouched() {
        for head in [
            "GET /api/cameras/wall HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
            "POST /a HTTP/1.1\r\ncontent-length: 3\r\ncontent-length: 3\r\n\r\n",
            "POST /a HTTP/1.1\r\ntransfer-encoding: gzip, chunked\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
        ] {
            let mut stream = head.as_bytes().to_vec();
            stream.extend(long_get(MAX_TARGET + 1));
            assert_eq!(both_ways(&stream), stream, "{head}");
        }
    }
}
