//! The only writer of an account's socket. Every stanza it writes is counted for XEP-0198, so
//! an acknowledgement from the server confirms exactly what it covers.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tracing::warn;
use xmpp::parsers::sm;
use xmpp::tokio_xmpp::xmlstream::{ReadError, XmppStreamElement};
use xmpp::tokio_xmpp::Stanza;

use crate::error::Result;
use crate::session::sm::Acks;
use crate::transport::{stream_io_error, xml::Received, SessionStream};

/// One open stream: writing goes through here; the actor reads with [`Outbound::next`].
pub struct Outbound {
    stream: SessionStream,
    acks: Acks,
}

impl Outbound {
    /// A stream carrying on the acknowledgement state of `acks`: a fresh one for a new
    /// session, the previous stream's for a resumed one.
    pub fn new(stream: SessionStream, acks: Acks) -> Outbound {
        Outbound { stream, acks }
    }

    /// The acknowledgement state, kept when the stream ends so that the session can resume.
    pub fn into_acks(self) -> Acks {
        self.acks
    }

    /// Writes a stanza, counted for acknowledgements.
    pub async fn send(&mut self, stanza: impl Into<Stanza>) -> Result<()> {
        let stanza = self.write_stanza(stanza.into()).await?;
        self.acks.sent(&stanza, None);
        Ok(())
    }

    /// Writes a stanza carrying the stored message `row`. `Ok(true)`: the server will
    /// acknowledge it (XEP-0198 is on, and an ack was requested); `Ok(false)`: nothing more
    /// will be heard, so it counts as sent once written.
    pub async fn send_tracked(&mut self, stanza: impl Into<Stanza>, row: i64) -> Result<bool> {
        let stanza = self.write_stanza(stanza.into()).await?;
        if !self.acks.requested() {
            return Ok(false);
        }
        self.acks.sent(&stanza, Some(row));
        self.nonza(sm::Nonza::Req(sm::R)).await?;
        Ok(true)
    }

    /// Writes again, on a resumed session, the stanzas the server had not confirmed; one ack
    /// request covers them all.
    pub async fn resend(&mut self, stanzas: Vec<(Stanza, Option<i64>)>) -> Result<()> {
        if stanzas.is_empty() {
            return Ok(());
        }
        for (stanza, row) in stanzas {
            let stanza = self.write_stanza(stanza).await?;
            self.acks.sent(&stanza, row);
        }
        self.nonza(sm::Nonza::Req(sm::R)).await
    }

    /// Writes a XEP-0198 element (not counted: only stanzas are).
    pub async fn nonza(&mut self, nonza: sm::Nonza) -> Result<()> {
        self.write(&XmppStreamElement::SM(nonza)).await
    }

    pub fn acks(&mut self) -> &mut Acks {
        &mut self.acks
    }

    /// Whether the stored message `row` was written on this stream and awaits its ack.
    pub fn in_flight(&self, row: i64) -> bool {
        self.acks.in_flight(row)
    }

    /// Closes the stream politely, giving the server two seconds.
    pub async fn close(&mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.stream.shutdown()).await;
    }

    pub(crate) async fn next(&mut self) -> Option<std::result::Result<Received, ReadError>> {
        self.stream.next().await
    }

    /// The parser refused data inside a stanza, which ends the stream. With acknowledgements
    /// on, that stanza is acknowledged before the stream closes, like any other stanza Hongyan
    /// drops: otherwise the server keeps it (in offline storage, say), hands it over again
    /// right after the next login, and nothing queued behind it ever arrives. Stanzas after it
    /// stay unacknowledged, so the server keeps those for the next session.
    pub(crate) async fn acknowledge_broken(&mut self) {
        let Some(broken) = self.stream.broken().filter(|b| b.stanza).cloned() else {
            return;
        };
        warn!(element = %broken, counted = self.acks.counting(), "dropped a stanza Hongyan cannot read; the stream ends");
        if !self.acks.counting() {
            return;
        }
        self.acks.received();
        let ack = XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(self.acks.handled())));
        let goodbye = async {
            self.stream.send(&ack).await?;
            self.stream.shutdown().await
        };
        // Best effort: the connection is closed either way.
        let _ = tokio::time::timeout(Duration::from_secs(2), goodbye).await;
    }

    /// Writes a stanza and hands it back, for counting.
    async fn write_stanza(&mut self, stanza: Stanza) -> Result<Stanza> {
        let element = XmppStreamElement::Stanza(stanza);
        self.write(&element).await?;
        match element {
            XmppStreamElement::Stanza(stanza) => Ok(stanza),
            _ => unreachable!("built as a stanza above"),
        }
    }

    async fn write(&mut self, element: &XmppStreamElement) -> Result<()> {
        self.stream.send(element).await.map_err(stream_io_error)
    }
}
