//! The HTTP/1.1 client of the load generators: one kept-alive connection per caller,
//! the request's bytes written at once, the answer read by its `Content-Length`.
//!
//! Lean on purpose, as `wrk` and `pgbench` are: on a 2-core machine every microsecond
//! the client spends is taken from the service and PostgreSQL, and a general-purpose
//! client (a connection task per connection, a hand-off between tasks per request) cost
//! three times what pgbench's client does per transaction (bench/RESULTS.md).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where requests go: the address to connect to, also sent as the `Host` header.
pub struct Endpoint {
    pub address: String,
}

impl Endpoint {
    /// Splits `http://host:port/path?query` into the endpoint and `/path?query`.
    pub fn parse(text: &str) -> Result<(Self, String), String> {
        let url = url::Url::parse(text).map_err(|e| format!("{text}: {e}"))?;
        if url.scheme() != "http" {
            return Err(format!("{text}: only http:// is spoken here"));
        }
        let host = url.host_str().ok_or(format!("{text}: no host"))?;
        let port = url.port_or_known_default().unwrap_or(80);
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let address = format!("{host}:{port}");
        Ok((Self { address }, path_and_query))
    }

    /// A request's bytes: `method path`, the bearer credential, and a JSON body if any.
    pub fn request(&self, method: &str, path: &str, token: &str, json: Option<&str>) -> Vec<u8> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nAccept: */*\r\n",
            self.address
        );
        match json {
            Some(body) => {
                head.push_str(&format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                ));
            }
            None => head.push_str("\r\n"),
        }
        head.into_bytes()
    }
}

/// Kept-alive connections to one address, opened as callers need them: a caller takes
/// an idle one (or opens one), and gives it back once its answer is read in full.
pub struct Pool {
    address: String,
    idle: std::sync::Mutex<Vec<Connection>>,
}

impl Pool {
    /// No connection yet: the first callers open them.
    pub fn new(endpoint: &Endpoint) -> Self {
        Self {
            address: endpoint.address.clone(),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Sends one request on a kept-alive connection and reads its whole answer; returns
    /// the status. A connection that failed, or whose answer said `Connection: close`,
    /// is not given back.
    pub async fn exchange(&self, request: &[u8]) -> Result<u16, String> {
        let taken = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut connection = match taken {
            Some(c) => c,
            None => Connection::open(&self.address).await?,
        };
        let status = connection.exchange(request).await?;
        if !connection.closing
            && let Ok(mut idle) = self.idle.lock()
        {
            idle.push(connection);
        }
        Ok(status)
    }
}

/// One kept-alive connection and the buffer its answers are read into.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    /// The last answer said `Connection: close`: the service will not read another.
    closing: bool,
}

impl Connection {
    /// Connects, with Nagle's delay off as the service's own sockets have it.
    async fn open(address: &str) -> Result<Self, String> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            closing: false,
        })
    }

    /// Sends one request and reads its whole answer; returns the status. An error (or no
    /// answer within a minute) leaves the connection unusable: drop it.
    async fn exchange(&mut self, request: &[u8]) -> Result<u16, String> {
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            self.send_and_read(request),
        )
        .await
        .map_err(|_| "no answer within a minute".to_string())?
    }

    async fn send_and_read(&mut self, request: &[u8]) -> Result<u16, String> {
        self.stream
            .write_all(request)
            .await
            .map_err(|e| format!("send: {e}"))?;
        self.buf.clear();
        let (end, head) = loop {
            self.read_more().await?;
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break (end, Head::parse(&self.buf[..end])?);
            }
        };
        self.closing = head.closing;
        while self.buf.len() < end + 4 + head.length {
            self.read_more().await?;
        }
        Ok(head.status)
    }

    /// Appends what the socket has to the buffer; the service closing is an error here.
    async fn read_more(&mut self) -> Result<(), String> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the service closed the connection before the answer ended".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// What the client needs of an answer's head.
struct Head {
    status: u16,
    length: usize,
    closing: bool,
}

impl Head {
    fn parse(bytes: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or("no status line")?;
        let header = |wanted: &str| {
            text.lines().skip(1).find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case(wanted)
                    .then_some(value.trim())
            })
        };
        let length = header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or("an answer without Content-Length")?;
        let closing = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        Ok(Self {
            status,
            length,
            closing,
        })
    }
}
