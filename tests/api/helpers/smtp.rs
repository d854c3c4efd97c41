//! A real SMTP server for the tests: it speaks enough of the protocol for lettre
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it receives.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One received message, decoded.
#[derive(Clone, Debug)]
pub struct Mail {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// Decoded subject.
    pub subject: String,
    /// Decoded plain-text part.
    pub text: String,
    /// Decoded HTML part.
    pub html: String,
    /// `Message-ID` header.
    pub message_id: String,
    /// Decoded `text/calendar` part (empty when there is none).
    pub calendar: String,
    /// The `method` parameter of that part's content type.
    pub calendar_method: String,
}

/// A running SMTP listener.
#[derive(Clone)]
pub struct SmtpServer {
    /// `smtp://127.0.0.1:<port>`.
    pub url: String,
    received: Arc<Mutex<Vec<Mail>>>,
    /// Messages that arrived but could not be decoded: reported by `mails()`, so a
    /// broken mail fails the test instead of vanishing.
    undecodable: Arc<Mutex<Vec<String>>>,
}

impl SmtpServer {
    /// Listens on a free port.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let url = format!("smtp://{}", listener.local_addr().expect("addr"));
        let received: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let undecodable: Arc<Mutex<Vec<String>>> = Arc::default();
        let store = (received.clone(), undecodable.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store).await;
                });
            }
        });
        SmtpServer {
            url,
            received,
            undecodable,
        }
    }

    /// Everything received so far; panics (in the test) if a message could not be
    /// decoded.
    #[track_caller]
    pub fn mails(&self) -> Vec<Mail> {
        let broken = self
            .undecodable
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        assert!(broken.is_empty(), "undecodable mails received: {broken:#?}");
        self.received.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits (up to 20 s) until `pred` holds for the received mails.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        for _ in 0..400 {
            let mails = self.mails();
            if pred(&mails) {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mails = self.mails();
        let subjects: Vec<(&Vec<String>, &str)> =
            mails.iter().map(|m| (&m.to, m.subject.as_str())).collect();
        panic!("timed out waiting for {what}; received: {subjects:#?}");
    }
}

type Store = (Arc<Mutex<Vec<Mail>>>, Arc<Mutex<Vec<String>>>);

async fn session(socket: tokio::net::TcpStream, store: Store) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 test ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            write.write_all(b"250-test\r\n250 8BITMIME\r\n").await?;
        } else if command.starts_with("HELO") || command.starts_with("MAIL FROM") {
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("RCPT TO") {
            let address = line
                .trim_end()
                .split_once(':')
                .map(|(_, a)| a.trim().trim_start_matches('<').trim_end_matches('>'))
                .unwrap_or_default()
                .to_string();
            to.push(address);
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "DATA" {
            write.write_all(b"354 go on\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(unstuffed);
            }
            match decode(std::mem::take(&mut to), &data) {
                Ok(mail) => {
                    if let Ok(mut all) = store.0.lock() {
                        all.push(mail);
                    }
                }
                Err(e) => {
                    if let Ok(mut all) = store.1.lock() {
                        all.push(format!("{e}: {data}"));
                    }
                }
            }
            write.write_all(b"250 queued\r\n").await?;
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            // RSET, NOOP and anything else.
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        }
    }
}

fn decode(to: Vec<String>, data: &str) -> Result<Mail, mailparse::MailParseError> {
    let parsed = mailparse::parse_mail(data.as_bytes())?;
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let mut text = String::new();
    let mut html = String::new();
    let (mut calendar, mut calendar_method) = (String::new(), String::new());
    for part in parsed.parts() {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body()?,
            "text/html" => html = part.get_body()?,
            "text/calendar" => {
                calendar = part.get_body()?;
                calendar_method = part.ctype.params.get("method").cloned().unwrap_or_default();
            }
            _ => {}
        }
    }
    Ok(Mail {
        to,
        subject: header("Subject"),
        text,
        html,
        message_id: header("Message-ID"),
        calendar,
        calendar_method,
    })
}
