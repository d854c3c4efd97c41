//! The mail sender's SMTP connections to an `smtp://` server (plain or STARTTLS): kept
//! open between mails and opened with `TCP_NODELAY`.
//!
//! Why not lettre's pooled transport alone: lettre writes a message and its closing
//! `<CRLF>.<CRLF>` in two writes; on a socket with Nagle's algorithm on, the second
//! waits for the server to acknowledge the first, and servers delay that
//! acknowledgement (40 ms on Linux). Every mail then costs ~45 ms on an idle loopback
//! — 20 mails per second and connection, far below the pace deliveries cause them.
//! lettre opens its own sockets and offers no option for it, so for `smtp://` the
//! sender opens the socket itself and hands it to lettre's connection
//! (`AsyncSmtpConnection::connect_with_transport`), which then speaks SMTP, STARTTLS
//! and authentication as lettre's transport would. `smtps://` (TLS from the first
//! byte) keeps lettre's pooled transport.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

/// Connections idle longer than this are closed rather than reused (servers drop idle
/// clients after a minute or more).
const IDLE_FOR_AT_MOST: Duration = Duration::from_secs(30);

/// Idle connections kept per replica (as many as mails sent at once).
const KEEP_IDLE: usize = super::MAILS_AT_ONCE;

/// How STARTTLS is used, from the URL's `tls` parameter.
#[derive(Clone)]
enum StartTls {
    /// No `tls` parameter: plain SMTP.
    Never,
    /// `tls=opportunistic`: when the server offers it.
    IfOffered(TlsParameters),
    /// `tls=required`: always, or no mail.
    Required(TlsParameters),
}

/// An `smtp://` server and the connections kept open to it.
pub struct Direct {
    host: String,
    port: u16,
    start_tls: StartTls,
    credentials: Option<Credentials>,
    hello: ClientId,
    timeout: Duration,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl Direct {
    /// The server of an `smtp://` URL, read as lettre reads it (default port 25, or 587
    /// with a `tls` parameter; `user:password@`; a path names the EHLO host); `None`
    /// for another scheme. The URL has already been accepted by lettre's parser.
    pub fn from_url(url: &str, timeout: Duration) -> Result<Option<Direct>, String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        if url.scheme() != "smtp" {
            return Ok(None);
        }
        let host = url.host_str().ok_or("smtp host undefined")?.to_string();
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v);
        let parameters = || TlsParameters::new(host.clone()).map_err(|e| e.to_string());
        let start_tls = match tls.as_deref() {
            None => StartTls::Never,
            Some("opportunistic") => StartTls::IfOffered(parameters()?),
            Some("required") => StartTls::Required(parameters()?),
            Some(other) => return Err(format!("unknown tls parameter {other:?}")),
        };
        let port = url.port().unwrap_or(match start_tls {
            StartTls::Never => 25,
            _ => 587,
        });
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|e| e.to_string())
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
            None => None,
        };
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        Ok(Some(Direct {
            host,
            port,
            start_tls,
            credentials,
            hello,
            timeout,
            idle: Mutex::new(Vec::new()),
        }))
    }

    /// Sends one message on a kept connection (checked with NOOP first) or a new one;
    /// the connection is kept again only when the exchange succeeded.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), String> {
        let exchange = async {
            let mut conn = match self.reuse().await {
                Some(conn) => conn,
                None => self.connect().await?,
            };
            match conn.send(envelope, message).await {
                Ok(_) => {
                    self.keep(conn);
                    Ok(())
                }
                Err(e) => {
                    conn.abort().await;
                    Err(e.to_string())
                }
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {} s", self.timeout.as_secs()))?
    }

    async fn reuse(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = self.idle.lock().ok()?.pop()?;
            if since.elapsed() < IDLE_FOR_AT_MOST && conn.test_connected().await {
                return Some(conn);
            }
            conn.abort().await;
        }
    }

    fn keep(&self, conn: AsyncSmtpConnection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP_IDLE
        {
            idle.push((conn, Instant::now()));
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let socket = open(&self.host, self.port).await?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello)
            .await
            .map_err(|e| e.to_string())?;
        match &self.start_tls {
            StartTls::Never => {}
            StartTls::IfOffered(_) if !conn.can_starttls() => {}
            StartTls::IfOffered(tls) | StartTls::Required(tls) => conn
                .starttls(tls.clone(), &self.hello)
                .await
                .map_err(|e| e.to_string())?,
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(conn)
    }
}

/// A TCP connection to the server with Nagle's algorithm off (see the module's
/// documentation).
async fn open(host: &str, port: u16) -> Result<tokio::net::TcpStream, String> {
    let socket = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("could not connect to {host}:{port}: {e}"))?;
    socket.set_nodelay(true).map_err(|e| e.to_string())?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sockets_to_the_server_send_at_once() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let socket = open("127.0.0.1", port).await.expect("connects");
        assert!(
            socket.nodelay().expect("readable"),
            "Nagle's algorithm is off"
        );
    }

    #[test]
    fn urls_read_as_lettre_reads_them() {
        let t = Duration::from_secs(1);
        let plain = Direct::from_url("smtp://mail.example.com", t)
            .expect("ok")
            .expect("direct");
        assert_eq!((plain.host.as_str(), plain.port), ("mail.example.com", 25));
        assert!(matches!(plain.start_tls, StartTls::Never));
        assert!(plain.credentials.is_none());
        let tls = Direct::from_url("smtp://u%40x:p%20w@h:2525/relay.example?tls=required", t)
            .expect("ok")
            .expect("direct");
        assert_eq!(tls.port, 2525);
        assert!(matches!(tls.start_tls, StartTls::Required(_)));
        assert!(tls.credentials == Some(Credentials::new("u@x".into(), "p w".into())));
        assert_eq!(tls.hello, ClientId::Domain("relay.example".into()));
        let submission = Direct::from_url("smtp://h?tls=opportunistic", t).expect("ok");
        assert_eq!(submission.map(|d| d.port), Some(587));
        assert!(Direct::from_url("smtps://h", t).expect("ok").is_none());
        assert!(Direct::from_url("smtp://h?tls=sometimes", t).is_err());
    }
}
