//! An in-memory server end for scenario tests and tools: [`MemoryConnector`] hands the
//! account a session over a pipe, as if login had succeeded, and gives the other end of the
//! pipe to whoever plays the server ([`MemoryServer`]). Everything above the transport — the
//! account's task, its features, the store — runs for real.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use tokio::io::{BufStream, DuplexStream};
use tokio::sync::mpsc;
use xmpp::parsers::{jid::FullJid, ns, stream_features::StreamFeatures};
use xmpp::tokio_xmpp::xmlstream::{
    accept_stream, FallibleStreamElement, StreamHeader, Timeouts, XmppStream, XmppStreamElement,
};

use super::xml::{Limits, XmlStream};
use super::{stream_io_error, BoxedIo};
use crate::error::{Error, Result};
use crate::session::sm::Resumption;
use crate::session::{resume_session, sasl::Mechanism, Connector, Login, Session};

/// The server's end of one in-memory session.
pub type ServerStream = XmppStream<BufStream<DuplexStream>>;

/// Opens in-memory sessions; each one's server end arrives at the paired [`MemoryServer`].
pub struct MemoryConnector {
    bound: FullJid,
    features: StreamFeatures,
    accepted: mpsc::UnboundedSender<ServerStream>,
    /// Errors the next attempts fail with, in order (an unreachable server, a wrong password …).
    failures: Arc<Mutex<VecDeque<Error>>>,
}

/// The test's side: accepts the sessions the account opens.
pub struct MemoryServer {
    accepted: mpsc::UnboundedReceiver<ServerStream>,
    failures: Arc<Mutex<VecDeque<Error>>>,
}

/// A connector whose sessions bind `bound` and offer `features`, and the server that gets them.
pub fn pair(bound: FullJid, features: StreamFeatures) -> (MemoryConnector, MemoryServer) {
    let (tx, rx) = mpsc::unbounded_channel();
    let failures = Arc::new(Mutex::new(VecDeque::new()));
    (
        MemoryConnector { bound, features, accepted: tx, failures: failures.clone() },
        MemoryServer { accepted: rx, failures },
    )
}

impl MemoryServer {
    /// The next session the account opens, or `None` when it has not opened one in `wait`.
    pub async fn accept(&mut self, wait: Duration) -> Option<ServerStream> {
        tokio::time::timeout(wait, self.accepted.recv()).await.ok().flatten()
    }

    /// Makes the next connection attempt fail with `error`.
    pub fn fail_next(&self, error: Error) {
        if let Ok(mut f) = self.failures.lock() {
            f.push_back(error);
        }
    }
}

/// Timeouts long enough that a scenario never sees a keepalive it did not ask for.
fn quiet() -> Timeouts {
    Timeouts { read_timeout: Duration::from_secs(3600), response_timeout: Duration::from_secs(3600) }
}

impl Connector for MemoryConnector {
    fn open<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<Session>> {
        Box::pin(async move {
            if let Some(e) = self.failures.lock().ok().and_then(|mut f| f.pop_front()) {
                return Err(e);
            }
            let (client, server) = tokio::io::duplex(1 << 20);
            let features = self.features.clone();
            let domain = login.jid.domain().to_string();
            let serve = async move {
                let accepted = accept_stream(BufStream::new(server), ns::JABBER_CLIENT, quiet()).await?;
                let header = StreamHeader { from: Some(domain.into()), to: None, id: Some("memory".into()) };
                accepted.send_header(header).await?.send_features::<FallibleStreamElement>(&features).await
            };
            let io: BoxedIo = Box::new(client);
            let initiate = XmlStream::open(io, login.jid.domain().as_str(), quiet(), Limits::default());
            let (server, client) = tokio::join!(serve, initiate);
            let server = server.map_err(stream_io_error)?;
            let (features, mut client) = client?;
            self.accepted.send(server).map_err(|_| Error::Unreachable("the in-memory server is gone".into()))?;
            // Resumption is negotiated with whoever plays the server, as on the network.
            let resumption = match &login.resume {
                Some(token) if features.stream_management.is_some() => Some(resume_session(&mut client, token).await?),
                _ => None,
            };
            let jid = match (&login.resume, resumption) {
                (Some(token), Some(Resumption::Resumed { .. })) => token.jid.clone(),
                _ => self.bound.clone(),
            };
            Ok(Session { stream: client, jid, mechanism: Mechanism::ScramSha256, features, resumption })
        })
    }
}

/// Writes one element from the server's end.
pub async fn send(server: &mut ServerStream, element: XmppStreamElement) -> Result<()> {
    server.send(&element).await.map_err(stream_io_error)
}

/// The next element the account wrote, or `None` when nothing came within `wait` (or the
/// stream ended).
pub async fn next(server: &mut ServerStream, wait: Duration) -> Option<XmppStreamElement> {
    loop {
        match tokio::time::timeout(wait, server.next()).await {
            Ok(Some(Ok(FallibleStreamElement::Ok(el)))) => return Some(el),
            Ok(Some(Ok(FallibleStreamElement::Err(_)))) => continue,
            Ok(Some(Err(xmpp::tokio_xmpp::xmlstream::ReadError::SoftTimeout))) => continue,
            _ => return None,
        }
    }
}
