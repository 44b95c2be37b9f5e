//! The transport seam: finds the server, opens TCP, negotiates TLS (STARTTLS or direct TLS,
//! never plaintext) with Hongyan's own certificate policy, and hands back an XML stream with the
//! server's stream features. Everything above this module speaks stanzas only.

pub mod dns;
pub mod memory;
pub mod tls;
pub mod xml;

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use sasl::common::ChannelBinding;
use tokio::net::TcpStream;
use tokio_rustls::{client::TlsStream, rustls::pki_types::ServerName, TlsConnector};
use tracing::debug;
use xmpp::parsers::{jid::BareJid, starttls, stream_features::StreamFeatures};
use xmpp::tokio_xmpp::xmlstream::{ReadError, Timeouts, XmppStreamElement};

use crate::error::{Error, Result};
use dns::Endpoint;
use xml::{Limits, XmlStream};

/// Whatever carries a stream once TLS is up: TLS over TCP in production, memory in tests.
pub type BoxedIo = Box<dyn xml::ByteStream + 'static>;
/// A stream from TLS on: while it is being set up (SASL, binding) and once the session is
/// established.
pub type Stream = XmlStream<BoxedIo>;
/// An established session's stream.
pub type SessionStream = Stream;

/// How long one TCP connect may take before the next address is tried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle time after which the stream reports a soft timeout (the session then pings), and the
/// extra time after which a silent peer is declared dead.
pub fn timeouts() -> Timeouts {
    Timeouts { read_timeout: Duration::from_secs(90), response_timeout: Duration::from_secs(30) }
}

#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// SHA-256 (lowercase hex) of a certificate the user trusts for this account.
    pub pinned_cert: Option<String>,
}

pub struct Connected {
    pub stream: Stream,
    pub features: StreamFeatures,
    pub channel_binding: ChannelBinding,
    pub endpoint: Endpoint,
}

/// Connects to the server of `jid` and returns a TLS-protected stream after the first
/// post-TLS stream features.
pub async fn connect(jid: &BareJid, opts: &ConnectOptions) -> Result<Connected> {
    let domain = jid.domain().as_str();
    let host_override = match (&opts.host, opts.port) {
        (Some(h), p) if !h.trim().is_empty() => Some((h.trim(), p.unwrap_or(5222))),
        (None, Some(p)) => Some((domain, p)),
        _ => None,
    };
    let endpoints = dns::endpoints(domain, host_override).await?;
    let mut first_error = None;
    for endpoint in endpoints {
        // With a user-given port the connection kind is a guess: try the other kind when the
        // first one fails at the protocol level (a TLS port answering a stream header, or the
        // reverse).
        let kinds: &[bool] = match (host_override.is_some(), endpoint.direct_tls) {
            (true, true) => &[true, false],
            (true, false) => &[false, true],
            (false, kind) => if kind { &[true] } else { &[false] },
        };
        for &direct_tls in kinds {
            match connect_endpoint(jid, &endpoint, direct_tls, opts).await {
                Ok(connected) => return Ok(connected),
                // Definitive answers: the server was reached and spoke clearly.
                Err(e @ (Error::CertUntrusted { .. } | Error::NoTls)) => return Err(e),
                Err(e) => {
                    debug!(host = %endpoint.host, port = endpoint.port, direct_tls, error = %e, "connection attempt failed");
                    let mismatch = matches!(e, Error::StreamClosed(_) | Error::Tls(_));
                    first_error.get_or_insert(e);
                    if !mismatch {
                        break;
                    }
                }
            }
        }
    }
    Err(first_error.unwrap_or_else(|| Error::Unreachable(domain.to_owned())))
}

/// Time after which the next address of a host is tried while the previous attempt still runs
/// (RFC 8305's recommended connection attempt delay).
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// RFC 8305: addresses alternate between IPv6 and IPv4, starting with the family the resolver
/// listed first.
fn interleave(addrs: Vec<std::net::SocketAddr>) -> Vec<std::net::SocketAddr> {
    let first_v6 = addrs.first().is_some_and(|a| a.is_ipv6());
    let (mut a, mut b): (Vec<_>, Vec<_>) = addrs.into_iter().partition(|a| a.is_ipv6() == first_v6);
    let mut out = Vec::with_capacity(a.len() + b.len());
    a.reverse();
    b.reverse();
    while !a.is_empty() || !b.is_empty() {
        out.extend(a.pop());
        out.extend(b.pop());
    }
    out
}

async fn tcp(endpoint: &Endpoint) -> Result<TcpStream> {
    let addrs: Vec<_> = tokio::time::timeout(
        CONNECT_TIMEOUT,
        tokio::net::lookup_host((endpoint.host.as_str(), endpoint.port)),
    )
    .await
    .map_err(|_| Error::Dns(format!("looking up {} timed out", endpoint.host)))?
    .map_err(|e| Error::Dns(format!("{}: {e}", endpoint.host)))?
    .collect();
    if addrs.is_empty() {
        return Err(Error::Dns(format!("{} has no address", endpoint.host)));
    }
    connect_staggered(interleave(addrs), ATTEMPT_DELAY).await
}

/// Happy Eyeballs: starts with the first address and, every `delay` (or as soon as an attempt
/// fails), adds the next one in parallel; the first connection wins and the others are dropped.
async fn connect_staggered(addrs: Vec<std::net::SocketAddr>, delay: Duration) -> Result<TcpStream> {
    use futures::stream::FuturesUnordered;
    let attempt = |addr: std::net::SocketAddr| async move {
        match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(Error::Unreachable(format!("{addr}: {e}"))),
            Err(_) => Err(Error::Timeout),
        }
    };
    let mut pending = addrs.into_iter();
    let mut running = FuturesUnordered::new();
    let mut last = Error::Unreachable("no address".into());
    if let Some(addr) = pending.next() {
        running.push(attempt(addr));
    }
    loop {
        let next_start = tokio::time::sleep(delay);
        tokio::select! {
            done = running.next() => match done {
                Some(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Some(Err(e)) => {
                    last = e;
                    // A failure starts the next address at once.
                    if let Some(addr) = pending.next() {
                        running.push(attempt(addr));
                    } else if running.is_empty() {
                        return Err(last);
                    }
                }
                None => return Err(last),
            },
            _ = next_start, if pending.len() > 0 => {
                if let Some(addr) = pending.next() {
                    running.push(attempt(addr));
                }
            }
        }
    }
}

async fn connect_endpoint(jid: &BareJid, endpoint: &Endpoint, direct_tls: bool, opts: &ConnectOptions) -> Result<Connected> {
    let tcp = tcp(endpoint).await?;
    let tcp = if direct_tls {
        tcp
    } else {
        let (features, mut stream) =
            XmlStream::open(tcp, jid.domain().as_str(), timeouts(), Limits::default()).await?;
        if !features.can_starttls() {
            return Err(Error::NoTls);
        }
        stream
            .send(&XmppStreamElement::Starttls(starttls::Nonza::Request(starttls::Request)))
            .await
            .map_err(stream_io_error)?;
        loop {
            match stream.next().await {
                Some(Ok(el)) => match el.into_element() {
                    Ok(XmppStreamElement::Starttls(starttls::Nonza::Proceed(_))) => break,
                    Ok(XmppStreamElement::Starttls(starttls::Nonza::Failure(_))) => {
                        return Err(Error::Tls("the server refused to start TLS".into()))
                    }
                    Ok(XmppStreamElement::StreamError(e)) => return Err(Error::StreamClosed(e.to_string())),
                    Ok(_) => continue,
                    Err(e) => return Err(read_error(e)),
                },
                Some(Err(e)) => return Err(read_error(e)),
                None => return Err(Error::StreamClosed("closed during STARTTLS".into())),
            }
        }
        stream.into_inner()
    };
    let (tls, channel_binding) = handshake(tcp, jid.domain().as_str(), opts.pinned_cert.as_deref()).await?;
    let io: BoxedIo = Box::new(tls);
    let (features, stream) = XmlStream::open(io, jid.domain().as_str(), timeouts(), Limits::default()).await?;
    Ok(Connected { stream, features, channel_binding, endpoint: Endpoint { direct_tls, ..endpoint.clone() } })
}

async fn handshake(tcp: TcpStream, domain: &str, pinned: Option<&str>) -> Result<(TlsStream<TcpStream>, ChannelBinding)> {
    let rejected = Arc::new(Mutex::new(None));
    let config = tls::client_config(pinned, rejected.clone())?;
    // The certificate names the A-label form of an internationalised domain.
    let name = ServerName::try_from(dns::ascii_host(domain)?).map_err(|e| Error::Tls(e.to_string()))?;
    let result = tokio::time::timeout(CONNECT_TIMEOUT, TlsConnector::from(Arc::new(config)).connect(name, tcp)).await;
    let tls = match result {
        Err(_) => return Err(Error::Timeout),
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            let rejection = rejected.lock().ok().and_then(|mut r| r.take());
            return Err(match rejection {
                Some(r) => Error::CertUntrusted { fingerprint: r.fingerprint, reason: r.reason },
                None => Error::Tls(e.to_string()),
            });
        }
    };
    let (_, conn) = tls.get_ref();
    let channel_binding = match conn.protocol_version() {
        Some(tokio_rustls::rustls::ProtocolVersion::TLSv1_3) => conn
            .export_keying_material(vec![0u8; 32], b"EXPORTER-Channel-Binding", None)
            .map(ChannelBinding::TlsExporter)
            .unwrap_or(ChannelBinding::None),
        // TLS 1.2 offers no tls-exporter without extended master secret checks; go without.
        _ => ChannelBinding::None,
    };
    Ok((tls, channel_binding))
}

pub(crate) fn stream_io_error(e: io::Error) -> Error {
    if let Some(refused) = xml::as_unreadable(&e) {
        return Error::UnreadableInput(refused.to_string());
    }
    match e.kind() {
        io::ErrorKind::TimedOut => Error::Timeout,
        io::ErrorKind::InvalidData => Error::StreamClosed(format!("unexpected data: {e}")),
        _ => Error::StreamClosed(e.to_string()),
    }
}

pub(crate) fn read_error(e: ReadError) -> Error {
    match e {
        ReadError::HardError(e) => stream_io_error(e),
        ReadError::SoftTimeout => Error::Timeout,
        ReadError::ParseError(e) => Error::StreamClosed(format!("malformed XML: {e}")),
        ReadError::StreamFooterReceived => Error::StreamClosed("the server ended the stream".into()),
    }
}

/// Restarts the stream after authentication (RFC 6120 §6.4.6) and reads the new features.
pub(crate) async fn restart(mut stream: Stream, jid: &BareJid) -> Result<(StreamFeatures, Stream)> {
    let features = stream.restart(jid.domain().as_str()).await?;
    Ok((features, stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn families_alternate_from_the_first_listed() {
        let list = vec![addr("[::1]:1"), addr("[::2]:1"), addr("10.0.0.1:1"), addr("[::3]:1"), addr("10.0.0.2:1")];
        let out: Vec<String> = interleave(list).iter().map(|a| a.to_string()).collect();
        assert_eq!(out, ["[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1", "[::3]:1"]);
    }

    /// An address that accepts TCP but whose handshake never comes does not hold up the next
    /// one: with the first address blackholed, the second connects after one delay, not after
    /// the first attempt's timeout.
    #[tokio::test]
    async fn a_silent_address_does_not_block_the_next() {
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live_addr = live.local_addr().unwrap();
        // 192.0.2.0/24 is TEST-NET-1: never routed, so a connect there hangs until its timeout.
        let started = tokio::time::Instant::now();
        let stream = connect_staggered(vec![addr("192.0.2.1:5222"), live_addr], ATTEMPT_DELAY).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), live_addr);
        assert!(started.elapsed() < CONNECT_TIMEOUT, "waited {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_refused_address_moves_on_at_once_and_all_refused_is_unreachable() {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let live = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let live_addr = live.local_addr().unwrap();
        let stream = connect_staggered(vec![closed, live_addr], Duration::from_secs(3600)).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), live_addr);
        let err = connect_staggered(vec![closed], ATTEMPT_DELAY).await.unwrap_err();
        assert!(matches!(err, Error::Unreachable(_)), "{err:?}");
    }
}
