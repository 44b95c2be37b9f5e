//! The only writer of an account's socket. Every stanza it writes is counted for XEP-0198, so
//! an acknowledgement from the server confirms exactly what it covers.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use xmpp::parsers::sm;
use xmpp::tokio_xmpp::xmlstream::{FallibleStreamElement, ReadError, XmppStreamElement};
use xmpp::tokio_xmpp::Stanza;

use crate::error::Result;
use crate::session::sm::Acks;
use crate::transport::{stream_io_error, Stream};

/// One open stream: writing goes through here; the actor reads with [`Outbound::next`].
pub struct Outbound {
    stream: Stream,
    acks: Acks,
}

impl Outbound {
    pub fn new(stream: Stream) -> Outbound {
        Outbound { stream, acks: Acks::default() }
    }

    /// Writes a stanza, counted for acknowledgements.
    pub async fn send(&mut self, stanza: impl Into<Stanza>) -> Result<()> {
        self.write(XmppStreamElement::Stanza(stanza.into())).await?;
        self.acks.sent(None);
        Ok(())
    }

    /// Writes a stanza carrying the stored message `row`. `Ok(true)`: the server will
    /// acknowledge it (XEP-0198 is on, and an ack was requested); `Ok(false)`: nothing more
    /// will be heard, so it counts as sent once written.
    pub async fn send_tracked(&mut self, stanza: impl Into<Stanza>, row: i64) -> Result<bool> {
        self.write(XmppStreamElement::Stanza(stanza.into())).await?;
        if !self.acks.requested() {
            return Ok(false);
        }
        self.acks.sent(Some(row));
        self.nonza(sm::Nonza::Req(sm::R)).await?;
        Ok(true)
    }

    /// Writes a XEP-0198 element (not counted: only stanzas are).
    pub async fn nonza(&mut self, nonza: sm::Nonza) -> Result<()> {
        self.write(XmppStreamElement::SM(nonza)).await
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

    pub(crate) async fn next(&mut self) -> Option<std::result::Result<FallibleStreamElement, ReadError>> {
        self.stream.next().await
    }

    async fn write(&mut self, element: XmppStreamElement) -> Result<()> {
        self.stream.send(&element).await.map_err(stream_io_error)
    }
}
