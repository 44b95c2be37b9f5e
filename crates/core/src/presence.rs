//! RFC 6121 §3–4: our own presence and the contacts' presence and subscription requests.
//! Presence is kept in memory only for roster contacts; a subscription request is approved
//! without asking the user only when we asked that contact first (our `subscribe` is pending,
//! or we added them in this session), never merely because we see their presence.

use futures::future::BoxFuture;
use tokio::sync::oneshot;
use xmpp::parsers::jid::{BareJid, Jid};
use xmpp::parsers::presence::{Presence as WirePresence, Type as PresenceType};

use crate::account::{OwnPresence, Request, State};
use crate::contacts::{presence_update, Show};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::feature::{Cx, Feature, Flow};
use hongyan_store::Subscription;

pub struct Presence;

impl Feature for Presence {
    fn name(&self) -> &'static str {
        "presence"
    }

    fn presence<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, p: &'a WirePresence) -> BoxFuture<'a, Result<Flow>> {
        Box::pin(async move {
            received(cx, p).await?;
            Ok(Flow::Stop)
        })
    }

    fn online<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(send_own(cx))
    }

    /// A presence chosen while the connection was down is announced now.
    fn resumed<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if cx.state.announced.as_ref() != Some(&cx.state.presence) {
                send_own(cx).await?;
            }
            Ok(())
        })
    }

    fn lost(&self, state: &mut State) {
        state.contacts_mut(|c| c.clear_presence());
        state.emit_roster();
    }
}

/// Announces the own presence and remembers what the server got.
async fn send_own(cx: &mut Cx<'_>) -> Result<()> {
    cx.out.send(announce(&cx.state.presence)).await?;
    cx.state.announced = Some(cx.state.presence.clone());
    Ok(())
}

/// The stanza announcing `own`.
pub fn announce(own: &OwnPresence) -> WirePresence {
    if own.show == Show::Offline {
        return WirePresence::unavailable();
    }
    let mut p = WirePresence::available().with_priority(1);
    p.show = own.show.to_wire();
    if let Some(status) = own.status.as_deref().filter(|s| !s.trim().is_empty()) {
        p.set_status("", status);
    }
    p
}

async fn received(cx: &mut Cx<'_>, p: &WirePresence) -> Result<()> {
    let Some(from) = p.from.as_ref().map(Jid::to_bare) else { return Ok(()) };
    if from == cx.state.config.jid {
        return Ok(());
    }
    if p.type_ == PresenceType::Subscribe {
        if cx.contacts_mut(|c| c.we_asked(from.as_str())) {
            cx.out.send(WirePresence::subscribed().with_to(from)).await?;
        } else {
            cx.contacts_mut(|c| c.add_request(from.as_str()));
            cx.emit(Event::SubscriptionRequest { account: cx.account(), jid: from.to_string() });
        }
        return Ok(());
    }
    if let Some(update) = presence_update(p) {
        if let Some(contact) = cx.contacts_mut(|c| c.apply(update)) {
            cx.emit(Event::Roster { account: cx.account(), contacts: vec![contact], replace: false });
        }
    }
    Ok(())
}

/// Changes what we announce; kept while offline and announced when the session is back.
pub(crate) struct SetPresence {
    pub show: Show,
    pub status: Option<String>,
    pub reply: oneshot::Sender<Result<()>>,
}

impl Request for SetPresence {
    fn online<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let SetPresence { show, status, reply } = *self;
            cx.state.presence = OwnPresence { show, status };
            let result = send_own(cx).await;
            let _ = reply.send(result.as_ref().map(|_| ()).map_err(|_| Error::NotConnected));
            result
        })
    }

    fn offline(self: Box<Self>, state: &mut State) {
        let SetPresence { show, status, reply } = *self;
        state.presence = OwnPresence { show, status };
        let _ = reply.send(Ok(()));
    }

    fn refuse(self: Box<Self>) {
        let _ = self.reply.send(Err(Error::NotConnected));
    }
}

/// Answers a subscription request: approve (and ask back, unless we already see them) or deny.
pub(crate) struct Answer {
    pub jid: BareJid,
    pub approve: bool,
    pub reply: oneshot::Sender<Result<()>>,
}

impl Request for Answer {
    fn online<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let Answer { jid, approve, reply } = *self;
            let answer = if approve { WirePresence::subscribed() } else { WirePresence::new(PresenceType::Unsubscribed) };
            cx.contacts_mut(|c| c.answered(jid.as_str()));
            cx.out.send(answer.with_to(jid.clone())).await?;
            if approve {
                let subscribed_to_them = cx.contacts_mut(|c| {
                    c.item(jid.as_str())
                        .is_some_and(|i| matches!(i.subscription, Subscription::To | Subscription::Both) || i.ask_pending)
                });
                if !subscribed_to_them {
                    cx.out.send(WirePresence::subscribe().with_to(jid)).await?;
                }
            }
            let _ = reply.send(Ok(()));
            Ok(())
        })
    }

    fn refuse(self: Box<Self>) {
        let _ = self.reply.send(Err(Error::NotConnected));
    }
}
