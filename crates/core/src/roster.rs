//! RFC 6121 §2: the roster, with XEP-0237 roster versioning. The roster is fetched when a
//! session starts — with the version we hold when the server offers versioning, so an
//! unchanged roster costs an empty answer — and kept current by the server's pushes. Results
//! and pushes count only from our own account: no `from`, or exactly our bare JID (a full JID of
//! our own account is another client, not the server).

use futures::future::BoxFuture;
use tokio::sync::oneshot;
use tracing::{debug, warn};
use xmpp::minidom::Element;
use xmpp::parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    ns,
    presence::Presence as WirePresence,
    roster::{Item, Roster as WireRoster, Subscription as WireSubscription},
    stanza_error::DefinedCondition,
};

use crate::account::{Request, State};
use crate::chat;
use crate::contacts::item_from_wire;
use crate::error::{Error, Result};
use crate::feature::{answer_payload, Cx, Feature};
use crate::stanza::iq::{IqAnswer, OnAnswer};
use crate::stanza::router::{condition, IqKind, IqReply, IqRequest, IqRoute};

/// The stream feature a server sends when it supports roster versioning.
pub const NS_ROSTER_VER: &str = "urn:xmpp:features:rosterver";
/// The stream feature a server sends when it supports subscription pre-approval.
pub const NS_PRE_APPROVAL: &str = "urn:xmpp:features:pre-approval";

pub struct Roster;

impl Feature for Roster {
    fn name(&self) -> &'static str {
        "roster"
    }

    fn iq_routes(&self) -> &'static [IqRoute] {
        &[IqRoute { kind: IqKind::Set, name: "query", ns: ns::ROSTER }]
    }

    fn handle_iq<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, request: IqRequest) -> BoxFuture<'a, Result<IqReply>> {
        Box::pin(async move {
            if !from_own_account(&cx.state.config.jid, request.from.as_ref()) {
                warn!(from = ?request.from, "refused a roster push from someone else");
                return Ok(Err(condition(DefinedCondition::ServiceUnavailable)));
            }
            let Ok(roster) = WireRoster::try_from(request.payload) else {
                return Ok(Err(condition(DefinedCondition::BadRequest)));
            };
            push(cx.state, roster).await?;
            Ok(Ok(None))
        })
    }

    fn online<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let ver = if offers(cx.state, NS_ROSTER_VER) {
                // An empty version asks for the whole roster and a version to keep.
                Some(cx.state.store.roster(&cx.account()).await?.0.unwrap_or_default())
            } else {
                None
            };
            let asked_with_version = ver.is_some();
            let get = Iq::from_get(chat::new_id(), WireRoster { ver, items: vec![] });
            cx.request(get, Box::new(RosterResult { asked_with_version })).await
        })
    }
}

/// Whether the current session's stream features include `<… xmlns=ns/>`.
pub fn offers(state: &State, ns: &str) -> bool {
    state.features.others.iter().any(|el: &Element| el.ns() == ns)
}

/// RFC 6121 §2.1.6: a roster push or result is the server's only when it carries no `from` or
/// our bare JID exactly.
pub fn from_own_account(own: &BareJid, from: Option<&Jid>) -> bool {
    from.is_none_or(|f| f.resource().is_none() && f.to_bare() == *own)
}

struct RosterResult {
    asked_with_version: bool,
}

impl OnAnswer for RosterResult {
    fn answered<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>, answer: Result<IqAnswer>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match answer_payload(answer) {
                Ok(Ok(Some(payload))) => match WireRoster::try_from(payload) {
                    Ok(roster) => {
                        let items: Vec<_> = roster.items.iter().map(item_from_wire).collect();
                        cx.state.store.replace_roster(&cx.account(), roster.ver.as_deref(), &items).await?;
                        cx.contacts_mut(|c| c.replace_roster(items));
                        cx.state.emit_roster();
                    }
                    Err(e) => warn!(error = %e, "ignoring a roster the engine cannot read"),
                },
                // XEP-0237 §2.4: unchanged since our version; changes, if any, come as pushes.
                Ok(Ok(None)) if self.asked_with_version => {
                    debug!("roster unchanged since the version we hold");
                    cx.state.emit_roster();
                }
                Ok(Ok(None)) => warn!("the server answered the roster request without a roster"),
                Ok(Err(e)) => warn!(error = %chat::error_text(&e), "the server refused the roster"),
                Err(e) => warn!(error = %e, "no roster from the server"),
            }
            Ok(())
        })
    }
}

async fn push(state: &mut State, roster: WireRoster) -> Result<()> {
    let account = state.account();
    for item in &roster.items {
        if item.subscription == WireSubscription::Remove {
            state.store.remove_roster_item(&account, roster.ver.as_deref(), item.jid.as_str()).await?;
            state.contacts_mut(|c| c.remove(item.jid.as_str()));
        } else {
            let item = item_from_wire(item);
            state.store.upsert_roster_item(&account, roster.ver.as_deref(), &item).await?;
            state.contacts_mut(|c| c.upsert(item));
        }
    }
    state.emit_roster();
    Ok(())
}

/// Adds a contact and asks to see their presence; with the server's support it also
/// pre-approves them (RFC 6121 §3.4), so their request back needs no second click.
pub(crate) struct AddContact {
    pub jid: BareJid,
    pub name: Option<String>,
    pub reply: oneshot::Sender<Result<()>>,
}

impl Request for AddContact {
    fn online<'a, 'b>(self: Box<Self>, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let AddContact { jid, name, reply } = *self;
            let item = Item {
                jid: jid.clone(),
                name,
                subscription: WireSubscription::None,
                ask: Default::default(),
                groups: vec![],
                approved: None,
            };
            let answer = cx.ask(Iq::from_set(chat::new_id(), WireRoster { ver: None, items: vec![item] })).await?;
            tokio::spawn(async move {
                let result = match answer.await {
                    Ok(Ok(IqAnswer::Result(_))) => Ok(()),
                    Ok(Ok(IqAnswer::Error(e))) => Err(Error::InvalidInput(chat::error_text(&e))),
                    Ok(Err(e)) => Err(e),
                    Err(_) => Err(Error::NotConnected),
                };
                let _ = reply.send(result);
            });
            cx.contacts_mut(|c| c.preapprove(jid.as_str()));
            if offers(cx.state, NS_PRE_APPROVAL) {
                cx.out.send(WirePresence::subscribed().with_to(jid.clone())).await?;
            }
            cx.out.send(WirePresence::subscribe().with_to(jid)).await
        })
    }

    fn refuse(self: Box<Self>) {
        let _ = self.reply.send(Err(Error::NotConnected));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_count_only_from_our_bare_jid_or_no_one() {
        let own = BareJid::new("me@example.org").unwrap();
        let jid = |s: &str| Jid::new(s).unwrap();
        assert!(from_own_account(&own, None));
        assert!(from_own_account(&own, Some(&jid("me@example.org"))));
        assert!(!from_own_account(&own, Some(&jid("me@example.org/laptop"))));
        assert!(!from_own_account(&own, Some(&jid("example.org"))));
        assert!(!from_own_account(&own, Some(&jid("mallory@example.org"))));
    }
}
