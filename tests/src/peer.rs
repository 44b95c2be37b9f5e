//! A real third-party client: tests/peer/peer.py (slixmpp), spoken to in JSON lines.

use std::collections::VecDeque;
use std::fs::File;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

use crate::server::XmppServer;
use crate::TestCa;

/// How long `Peer::start` waits for the peer to be online.
const ONLINE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a command may take until the peer confirms it. Generous: a round trip queued
/// behind stanzas of a few hundred kB takes the servers seconds on a loaded machine.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A chat message the peer received.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PeerMessage {
    /// Full JID of the sender.
    pub from: String,
    pub body: Option<String>,
    pub id: Option<String>,
    /// XEP-0359 origin-id, if the sender set one.
    pub origin_id: Option<String>,
    /// Message type: chat, normal, groupchat, headline.
    #[serde(rename = "type")]
    pub kind: String,
    /// XEP-0203 stamps on the stanza, in document order.
    #[serde(default)]
    pub delays: Vec<PeerDelay>,
}

/// One XEP-0203 `<delay/>`: who delayed the stanza and when it was first sent (ISO 8601).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PeerDelay {
    pub from: Option<String>,
    pub stamp: String,
}

/// A presence the peer received (available or unavailable).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct PeerPresence {
    /// Full JID (or bare, for a server's unavailable answer to a probe).
    pub from: String,
    /// `available` or `unavailable`.
    #[serde(rename = "type")]
    pub kind: String,
    pub show: Option<String>,
    pub status: Option<String>,
}

/// One line the peer wrote.
#[derive(Clone, Debug, PartialEq)]
pub enum PeerEvent {
    Online {
        jid: String,
    },
    Message(PeerMessage),
    Presence(PeerPresence),
    /// A subscription request arrived (the peer accepts it and asks back by itself).
    Subscribe {
        from: String,
    },
    /// A command was handed to the stream; `fields` holds what the peer reported, such as
    /// the `id` and `origin_id` of a sent message.
    Done {
        cmd: String,
        fields: Value,
    },
    Disconnected {
        reason: Option<String>,
    },
    Error {
        kind: String,
        text: String,
    },
    /// An event this harness does not know yet.
    Other(Value),
}

impl PeerEvent {
    fn parse(line: &str) -> Result<PeerEvent> {
        let value: Value = serde_json::from_str(line)?;
        let field = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_owned);
        let event = field("event").ok_or_else(|| anyhow!("no \"event\" field"))?;
        Ok(match event.as_str() {
            "online" => PeerEvent::Online {
                jid: field("jid").unwrap_or_default(),
            },
            "message" => PeerEvent::Message(serde_json::from_value(value)?),
            "presence" => PeerEvent::Presence(serde_json::from_value(value)?),
            "subscribe" => PeerEvent::Subscribe {
                from: field("from").unwrap_or_default(),
            },
            "done" => PeerEvent::Done {
                cmd: field("cmd").unwrap_or_default(),
                fields: value,
            },
            "disconnected" => PeerEvent::Disconnected {
                reason: field("reason"),
            },
            "error" => PeerEvent::Error {
                kind: field("kind").unwrap_or_default(),
                text: field("text").unwrap_or_default(),
            },
            _ => PeerEvent::Other(value),
        })
    }
}

/// `user@domain/resource` → `user@domain`.
pub fn bare(jid: &str) -> &str {
    jid.split('/').next().unwrap_or(jid)
}

/// A running slixmpp client. Killed when dropped.
pub struct Peer {
    child: Child,
    stdin: ChildStdin,
    events: mpsc::UnboundedReceiver<PeerEvent>,
    /// Events read but not yet matched by a `next_event_matching` call.
    pending: VecDeque<PeerEvent>,
    jid: String,
    log: PathBuf,
}

impl Peer {
    /// Logs `user` in to `server` over STARTTLS (after an in-band registration if
    /// `register`) and waits until it is online with its initial presence sent.
    pub async fn start<S>(server: &S, user: &str, password: &str, register: bool) -> Result<Peer>
    where
        S: XmppServer + ?Sized,
    {
        let ca = TestCa::shared();
        let python = peer_python()?;
        let script = crate::repo_root().join("tests/peer/peer.py");
        let log = crate::run_artifacts_dir().join(format!("peer-{}-{user}.log", server.name()));
        // Appended: the same user may log in several times in one test.
        let stderr = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("opening {}", log.display()))?;

        let mut command = Command::new(&python);
        command
            .arg(&script)
            .arg("--jid")
            .arg(format!("{}/peer", server.jid(user)))
            .arg("--host")
            .arg(server.host())
            .arg("--port")
            .arg(server.c2s_port().to_string())
            .arg("--debug")
            .env("HONGYAN_PEER_PASSWORD", password)
            .env("SSL_CERT_FILE", ca.ca_path())
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .kill_on_drop(true);
        if register {
            command.arg("--register");
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {} {}", python.display(), script.display()))?;
        let stdin = child.stdin.take().context("peer stdin")?;
        let stdout = child.stdout.take().context("peer stdout")?;

        let (tx, events) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let event = PeerEvent::parse(&line).unwrap_or_else(|e| PeerEvent::Error {
                    kind: "harness".into(),
                    text: format!("unreadable line {line:?}: {e}"),
                });
                if tx.send(event).is_err() {
                    break;
                }
            }
        });

        let mut peer = Peer {
            child,
            stdin,
            events,
            pending: VecDeque::new(),
            jid: server.jid(user),
            log,
        };
        let online = peer
            .next_event_matching(
                |e| {
                    matches!(e, PeerEvent::Online { .. })
                        || matches!(e, PeerEvent::Error { kind, .. }
                            if matches!(kind.as_str(), "auth" | "register" | "config"))
                },
                ONLINE_TIMEOUT,
            )
            .await
            .with_context(|| format!("{user} did not come online"))?;
        match online {
            PeerEvent::Online { jid } => {
                peer.jid = jid;
                Ok(peer)
            }
            other => Err(anyhow!(
                "{user} could not log in: {other:?}\n--- peer log ---\n{}",
                peer.log_tail(30)
            )),
        }
    }

    /// The full JID the peer is bound to.
    pub fn jid(&self) -> &str {
        &self.jid
    }

    pub fn bare_jid(&self) -> &str {
        bare(&self.jid)
    }

    /// Where the peer's stderr (slixmpp's debug log) goes.
    pub fn log_path(&self) -> &std::path::Path {
        &self.log
    }

    pub fn log_tail(&self, lines: usize) -> String {
        crate::process::file_tail(&self.log, lines)
    }

    /// Sends a chat message with an XEP-0359 origin-id; returns that id (also the stanza id).
    pub async fn send(&mut self, to: &str, body: &str) -> Result<String> {
        let done = self
            .command(json!({"cmd": "send", "to": to, "body": body}))
            .await?;
        done.get("origin_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the peer did not report the origin-id: {done}"))
    }

    /// Broadcasts presence; `show` is away/chat/dnd/xa or `None` for plain available.
    pub async fn set_presence(&mut self, show: Option<&str>, status: Option<&str>) -> Result<()> {
        self.command(json!({"cmd": "presence", "show": show, "status": status}))
            .await
            .map(drop)
    }

    /// Adds `jid` to the roster and asks for its presence.
    pub async fn subscribe(&mut self, jid: &str) -> Result<()> {
        self.command(json!({"cmd": "subscribe", "to": jid}))
            .await
            .map(drop)
    }

    /// XEP-0030 items of `jid` (their JIDs, sorted).
    pub async fn disco_items(&mut self, jid: &str) -> Result<Vec<String>> {
        let done = self
            .command(json!({"cmd": "disco_items", "jid": jid}))
            .await?;
        let items = done
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("the peer did not report items: {done}"))?;
        Ok(items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect())
    }

    /// Sends a stanza as written (for what the other commands do not cover).
    pub async fn send_raw(&mut self, xml: &str) -> Result<()> {
        self.command(json!({"cmd": "raw", "xml": xml}))
            .await
            .map(drop)
    }

    /// Writes one command and waits for its `done` event; returns the event's fields.
    async fn command(&mut self, command: Value) -> Result<Value> {
        let name = command["cmd"].as_str().unwrap_or_default().to_owned();
        let mut line = command.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .context("writing to the peer")?;
        self.stdin.flush().await?;
        let event = self
            .next_event_matching(
                |e| {
                    matches!(e, PeerEvent::Done { cmd, .. } if *cmd == name)
                        || matches!(e, PeerEvent::Error { kind, .. } if *kind == name || kind == "command")
                },
                COMMAND_TIMEOUT,
            )
            .await?;
        match event {
            PeerEvent::Done { fields, .. } => Ok(fields),
            other => Err(anyhow!("command {command} failed: {other:?}")),
        }
    }

    /// The first event (oldest first, including ones read earlier but not yet matched)
    /// for which `pred` is true. Events that do not match stay queued for later calls.
    pub async fn next_event_matching<F>(
        &mut self,
        mut pred: F,
        timeout: Duration,
    ) -> Result<PeerEvent>
    where
        F: FnMut(&PeerEvent) -> bool,
    {
        if let Some(index) = self.pending.iter().position(&mut pred) {
            if let Some(event) = self.pending.remove(index) {
                return Ok(event);
            }
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(event)) if pred(&event) => return Ok(event),
                Ok(Some(event)) => self.pending.push_back(event),
                Ok(None) => bail!(
                    "the peer {} exited; unmatched events: {:?}\n--- peer log ---\n{}",
                    self.jid,
                    self.pending,
                    self.log_tail(30)
                ),
                Err(_) => bail!(
                    "no matching event from the peer {} within {timeout:?}; unmatched events: {:?}\n--- peer log ---\n{}",
                    self.jid,
                    self.pending,
                    self.log_tail(30)
                ),
            }
        }
    }

    /// The next message with a body from `bare_jid` (any resource). Bodyless ones (chat
    /// states, receipts) stay queued for [`Peer::next_event_matching`].
    pub async fn wait_message_from(
        &mut self,
        bare_jid: &str,
        timeout: Duration,
    ) -> Result<PeerMessage> {
        let event = self
            .next_event_matching(
                |e| {
                    matches!(e, PeerEvent::Message(m)
                        if bare(&m.from) == bare_jid && m.body.is_some())
                },
                timeout,
            )
            .await?;
        match event {
            PeerEvent::Message(message) => Ok(message),
            other => Err(anyhow!("expected a message, got {other:?}")),
        }
    }

    /// The next available presence from `bare_jid` (any resource).
    pub async fn wait_presence_from(
        &mut self,
        bare_jid: &str,
        timeout: Duration,
    ) -> Result<PeerPresence> {
        let event = self
            .next_event_matching(
                |e| matches!(e, PeerEvent::Presence(p) if bare(&p.from) == bare_jid && p.kind == "available"),
                timeout,
            )
            .await?;
        match event {
            PeerEvent::Presence(presence) => Ok(presence),
            other => Err(anyhow!("expected a presence, got {other:?}")),
        }
    }

    /// Closes the stream politely and waits for the process (killed after 5 s).
    pub async fn stop(mut self) -> Result<()> {
        // A peer that already exited has a closed stdin; that is fine here.
        let _ = self.stdin.write_all(b"{\"cmd\":\"quit\"}\n").await;
        let _ = self.stdin.flush().await;
        match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

/// `HONGYAN_PYTHON`, else the repository's `.venv/bin/python`.
pub fn peer_python() -> Result<PathBuf> {
    if let Some(python) = std::env::var_os("HONGYAN_PYTHON") {
        return Ok(PathBuf::from(python));
    }
    let venv = crate::repo_root().join(".venv/bin/python");
    if venv.exists() {
        Ok(venv)
    } else {
        bail!(
            "no Python for the peer: set HONGYAN_PYTHON or create {} with \
             `python3 -m venv .venv && .venv/bin/pip install -r tests/peer/requirements.txt`",
            venv.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events() {
        let message = PeerEvent::parse(
            r#"{"from":"a@localhost/peer","body":"\u4f60\u597d \ud83c\udf0f","id":"x","origin_id":null,"type":"chat","event":"message"}"#,
        )
        .unwrap();
        assert_eq!(
            message,
            PeerEvent::Message(PeerMessage {
                from: "a@localhost/peer".into(),
                body: Some("你好 🌏".into()),
                id: Some("x".into()),
                origin_id: None,
                kind: "chat".into(),
                delays: vec![],
            })
        );
        assert!(matches!(
            PeerEvent::parse(r#"{"event":"later","x":1}"#).unwrap(),
            PeerEvent::Other(_)
        ));
        assert!(PeerEvent::parse(r#"{"no":"event"}"#).is_err());
        assert_eq!(bare("a@b/c"), "a@b");
        assert_eq!(bare("a@b"), "a@b");
    }
}
