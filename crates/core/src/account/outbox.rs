//! The outbox: a message is stored as pending before anything is written, and moves forward
//! only — pending → sent (the server acknowledged it under XEP-0198, or it was written on a
//! stream without acks) → delivered → displayed, or failed. What is still pending when a
//! session starts goes out again with the same origin-id, so receivers can drop a duplicate;
//! a resumed session instead writes again exactly what the server had not confirmed.

use futures::future::BoxFuture;
use hongyan_store::{Message, MessageState};
use xmpp::parsers::{jid::BareJid, sm};

use super::{now_ms, Request, State};
use crate::chat;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::feature::Cx;

/// Sends a stored pending message (the handle's `send_chat`).
pub(crate) struct Send(pub Message);

impl Request for Send {
    fn online<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            // It may have gone out already with the pending ones after a reconnect.
            let current = cx.state.store.message(self.0.id).await?;
            if current.is_some_and(|m| m.state == MessageState::Pending) {
                send(cx, self.0).await?;
            }
            Ok(())
        })
    }

    /// Already stored as pending: it goes out when the session is back.
    fn offline(self: Box<Self>, _state: &mut State) {}

    fn refuse(self: Box<Self>) {}
}

/// Sends everything still pending for this account, oldest first.
pub(crate) async fn flush(cx: &mut Cx<'_>) -> Result<()> {
    let pending = cx.state.store.pending_messages(&cx.account()).await?;
    for message in pending {
        send(cx, message).await?;
    }
    Ok(())
}

/// Writes one pending message. A message that waited in the outbox carries a XEP-0203 stamp
/// of when it was written.
pub(crate) async fn send(cx: &mut Cx<'_>, message: Message) -> Result<()> {
    if cx.out.in_flight(message.id) {
        return Ok(());
    }
    let to = BareJid::new(&message.peer).map_err(|e| Error::InvalidJid(e.to_string()))?;
    let id = message.origin_id.clone().unwrap_or_else(chat::new_id);
    let queued = now_ms() - message.sent_at > chat::QUEUED_AFTER_MS;
    let written = queued.then_some((message.sent_at, &cx.state.config.jid));
    let body = message.body.as_deref().unwrap_or_default();
    let stanza = chat::outgoing(&to, body, &id, written);
    if !cx.out.send_tracked(stanza, message.id).await? {
        mark_sent(cx, vec![message.id]).await?;
    }
    Ok(())
}

pub(crate) async fn mark_sent(cx: &mut Cx<'_>, ids: Vec<i64>) -> Result<()> {
    for id in ids {
        if let Some(updated) = cx.state.store.update_state(id, MessageState::Sent, None).await? {
            cx.emit(Event::MessageUpdated { account: cx.account(), message: updated });
        }
    }
    Ok(())
}

/// XEP-0198 elements from the server.
pub(crate) async fn stream_management(cx: &mut Cx<'_>, nonza: sm::Nonza) -> Result<()> {
    match nonza {
        sm::Nonza::Enabled(enabled) => cx.out.acks().enabled(&enabled),
        sm::Nonza::Failed(_) => {
            let written = cx.out.acks().failed();
            mark_sent(cx, written).await?;
        }
        sm::Nonza::Req(_) => {
            let h = cx.out.acks().handled();
            cx.out.nonza(sm::Nonza::Ack(sm::A::new(h))).await?;
        }
        sm::Nonza::Ack(a) => {
            let confirmed = cx.out.acks().acked(a.h);
            mark_sent(cx, confirmed).await?;
        }
        _ => {}
    }
    Ok(())
}
