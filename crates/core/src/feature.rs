//! How a protocol feature plugs into an account. A feature is one module (roster, presence,
//! disco, ping, chat …) that declares what it offers: its XEP-0030 features, the IQ requests it
//! serves, its steps in the incoming-message pipeline, what it does with a presence, and what
//! it does when the account comes online. The account's task never names a feature; it asks
//! [`FEATURES`]. Adding a XEP is its own module plus one line here.

use futures::future::BoxFuture;
use xmpp::minidom::Element;
use xmpp::parsers::{iq::Iq, jid::Jid, presence::Presence};

use crate::account::State;
use crate::contacts::Contacts;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::stanza::iq::{IqAnswer, OnAnswer, DEFAULT_TIMEOUT};
use crate::stanza::outbound::Outbound;
use crate::stanza::pipeline::Step;
use crate::stanza::router::{IqReply, IqRequest, IqRoute};
use crate::{chat, disco, ping, presence, roster};

/// Every feature, in the order they come online: the roster is asked for before presence is
/// announced (RFC 6121 §2.2), and queued messages go out last.
pub static FEATURES: &[&dyn Feature] = &[&roster::Roster, &presence::Presence, &disco::Disco, &ping::Ping, &chat::Chat];

/// What a feature's presence handler decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Let the next handler (or pipeline step) see it.
    Continue,
    /// Handled or refused; nothing after this sees it.
    Stop,
}

pub trait Feature: Sync {
    /// A short name for logs.
    fn name(&self) -> &'static str;

    /// The XEP-0030 `var`s this feature adds to what Hongyan answers.
    fn disco_features(&self) -> &'static [&'static str] {
        &[]
    }

    /// The IQ get/set requests this feature serves.
    fn iq_routes(&self) -> &'static [IqRoute] {
        &[]
    }

    /// Serves a request matched by one of [`Feature::iq_routes`]; the router writes the answer.
    fn handle_iq<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, request: IqRequest) -> BoxFuture<'a, Result<IqReply>> {
        let _ = (cx, request);
        Box::pin(async { Ok(Err(crate::stanza::router::condition(xmpp::parsers::stanza_error::DefinedCondition::ServiceUnavailable))) })
    }

    /// This feature's steps in the incoming-message pipeline.
    fn message_steps(&self) -> &'static [&'static dyn Step] {
        &[]
    }

    /// Sees each received presence, in [`FEATURES`] order, until one says [`Flow::Stop`].
    fn presence<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, presence: &'a Presence) -> BoxFuture<'a, Result<Flow>> {
        let _ = (cx, presence);
        Box::pin(async { Ok(Flow::Continue) })
    }

    /// Runs once each time a session is established, in [`FEATURES`] order.
    fn online<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        let _ = cx;
        Box::pin(async { Ok(()) })
    }

    /// The connection was lost: forget what only held while it was up.
    /// The previous session was resumed (XEP-0198): the server kept what `online` set up;
    /// catch up on what changed while the connection was down.
    fn resumed<'a, 'b>(&'a self, cx: &'a mut Cx<'b>) -> BoxFuture<'a, Result<()>> {
        let _ = cx;
        Box::pin(async { Ok(()) })
    }

    fn lost(&self, state: &mut State) {
        let _ = state;
    }
}

/// What a feature works with while the account is online: the account's state and the one
/// writer of its stream.
pub struct Cx<'a> {
    pub state: &'a mut State,
    pub out: &'a mut Outbound,
}

impl Cx<'_> {
    pub fn account(&self) -> String {
        self.state.account()
    }

    pub fn emit(&self, event: Event) {
        self.state.emit(event);
    }

    pub fn contacts_mut<R>(&self, f: impl FnOnce(&mut Contacts) -> R) -> R {
        self.state.contacts_mut(f)
    }

    /// Sends an IQ get/set whose answer `then` handles inside the account's task. The answer
    /// is taken only from the entity the request went to (no `to`: our own account).
    pub async fn request(&mut self, iq: Iq, then: Box<dyn OnAnswer>) -> Result<()> {
        let (to, id) = addressing(&iq)?;
        self.state.iqs.register_then(to.as_ref(), &id, DEFAULT_TIMEOUT, then);
        self.out.send(iq).await
    }

    /// Sends an IQ get/set; the receiver gets its answer, a timeout or the connection's end.
    pub async fn ask(&mut self, iq: Iq) -> Result<tokio::sync::oneshot::Receiver<Result<IqAnswer>>> {
        let (to, id) = addressing(&iq)?;
        let rx = self.state.iqs.register(to.as_ref(), &id, DEFAULT_TIMEOUT);
        self.out.send(iq).await?;
        Ok(rx)
    }
}

fn addressing(iq: &Iq) -> Result<(Option<Jid>, String)> {
    match iq {
        Iq::Get { to, id, .. } | Iq::Set { to, id, .. } => Ok((to.clone(), id.clone())),
        _ => Err(Error::Internal("only a get or set is a request".into())),
    }
}

/// The payload of a successful answer, for continuations that expect one.
pub fn answer_payload(answer: Result<IqAnswer>) -> Result<std::result::Result<Option<Element>, xmpp::parsers::stanza_error::StanzaError>> {
    answer.map(|a| match a {
        IqAnswer::Result(payload) => Ok(payload),
        IqAnswer::Error(e) => Err(e),
    })
}
