//! RFC 6121 §5: one-to-one chat, with XEP-0359 unique and stable stanza ids and XEP-0203
//! delayed-delivery stamps. [`message`] turns stanzas into rows and rows into stanzas; the
//! steps here are chat's part of the incoming-message pipeline, and coming online sends what
//! the outbox still holds.

pub mod message;

pub use message::*;

use futures::future::BoxFuture;
use hongyan_store::{Inserted, MessageState};
use tracing::debug;
use xmpp::parsers::ns;

use crate::account::{now_ms, outbox};
use crate::error::Result;
use crate::events::Event;
use crate::feature::{Cx, Feature, Flow};
use crate::stanza::pipeline::{Inbound, Stage, Step};

pub struct Chat;

impl Feature for Chat {
    fn name(&self) -> &'static str {
        "chat"
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::SID]
    }

    fn message_steps(&self) -> &'static [&'static dyn Step] {
        &[&Authorize, &Classify, &StoreRow, &Emit]
    }

    fn online<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(outbox::flush(cx))
    }

    /// Messages written while the connection was down go out now.
    fn resumed<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(outbox::flush(cx))
    }
}

/// The server stamps `from` on everything it routes: a message without it is not a chat.
struct Authorize;

impl Step for Authorize {
    fn name(&self) -> &'static str {
        "chat.authorize"
    }
    fn stage(&self) -> Stage {
        Stage::Authorize
    }
    fn run<'a, 'b>(&'a self, _cx: &'a mut Cx<'b>, m: &'a mut Inbound) -> BoxFuture<'a, Result<Flow>> {
        let flow = if m.stanza.from.is_some() { Flow::Continue } else { Flow::Stop };
        Box::pin(async move { Ok(flow) })
    }
}

/// A chat message becomes a row to store; a bounce fails the message it answers.
struct Classify;

impl Step for Classify {
    fn name(&self) -> &'static str {
        "chat.classify"
    }
    fn stage(&self) -> Stage {
        Stage::Classify
    }
    fn run<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, m: &'a mut Inbound) -> BoxFuture<'a, Result<Flow>> {
        Box::pin(async move {
            match incoming(&m.stanza, &cx.state.config.jid, now_ms()) {
                Incoming::Chat(row) => {
                    m.row = Some(row);
                    Ok(Flow::Continue)
                }
                Incoming::Error { peer, id, text } => {
                    // Only the peer the message went to can fail it: the lookup is by that peer.
                    let account = cx.account();
                    let failed = cx
                        .state
                        .store
                        .update_state_by_origin_id(&account, &peer, &id, MessageState::Failed, Some(&text))
                        .await?;
                    if let Some(message) = failed {
                        cx.emit(Event::MessageUpdated { account, message });
                    }
                    Ok(Flow::Stop)
                }
                Incoming::Ignored => Ok(Flow::Stop),
            }
        })
    }
}

/// Stores the row; a message already stored (same origin-id or our server's stanza-id from
/// the same sender) stops here, which is what makes resends harmless.
struct StoreRow;

impl Step for StoreRow {
    fn name(&self) -> &'static str {
        "chat.store"
    }
    fn stage(&self) -> Stage {
        Stage::Store
    }
    fn run<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, m: &'a mut Inbound) -> BoxFuture<'a, Result<Flow>> {
        Box::pin(async move {
            let Some(row) = m.row.as_ref() else { return Ok(Flow::Continue) };
            match cx.state.store.insert_message(row).await? {
                Inserted::New(stored) => {
                    m.stored = Some(stored);
                    Ok(Flow::Continue)
                }
                Inserted::Duplicate(_) => {
                    debug!("duplicate message ignored");
                    Ok(Flow::Stop)
                }
            }
        })
    }
}

/// Tells the front end about the stored message.
struct Emit;

impl Step for Emit {
    fn name(&self) -> &'static str {
        "chat.emit"
    }
    fn stage(&self) -> Stage {
        Stage::Emit
    }
    fn run<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, m: &'a mut Inbound) -> BoxFuture<'a, Result<Flow>> {
        if let Some(stored) = m.stored.clone() {
            cx.emit(Event::Messages { account: cx.account(), messages: vec![stored] });
        }
        Box::pin(async { Ok(Flow::Continue) })
    }
}
