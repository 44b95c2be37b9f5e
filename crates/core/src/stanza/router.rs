//! Incoming IQs. A get or set goes to the feature that registered its (type, element,
//! namespace); anything no feature serves is answered `service-unavailable` (RFC 6120 §8.4).
//! A result or error is an answer to one of our requests only when it comes from whom we asked
//! ([`IqTracker`](super::iq::IqTracker)); otherwise it is dropped.

use tracing::{debug, warn};
use xmpp::minidom::Element;
use xmpp::parsers::iq::Iq;
use xmpp::parsers::jid::Jid;
use xmpp::parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

use crate::error::Result;
use crate::feature::{Cx, Feature, FEATURES};
use crate::stanza::iq::{IqAnswer, Resolution};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IqKind {
    Get,
    Set,
}

/// One kind of request a feature serves: `<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>` is
/// `IqRoute { kind: IqKind::Get, name: "ping", ns: ns::PING }`.
#[derive(Debug, Clone, Copy)]
pub struct IqRoute {
    pub kind: IqKind,
    pub name: &'static str,
    pub ns: &'static str,
}

/// An incoming get or set.
#[derive(Debug, Clone)]
pub struct IqRequest {
    pub kind: IqKind,
    pub from: Option<Jid>,
    pub id: String,
    pub payload: Element,
}

/// A feature's answer: a result (with an optional payload) or a stanza error.
pub type IqReply = std::result::Result<Option<Element>, StanzaError>;

/// A stanza error of `condition`, type `cancel` (or `modify` for a bad request).
pub fn condition(condition: DefinedCondition) -> StanzaError {
    let type_ = match condition {
        DefinedCondition::BadRequest | DefinedCondition::NotAcceptable => ErrorType::Modify,
        DefinedCondition::ResourceConstraint => ErrorType::Wait,
        DefinedCondition::Forbidden | DefinedCondition::NotAuthorized => ErrorType::Auth,
        _ => ErrorType::Cancel,
    };
    StanzaError::new(type_, condition, "en", "")
}

/// The feature serving `kind` requests with this payload, if any.
pub fn route(kind: IqKind, payload: &Element) -> Option<&'static dyn Feature> {
    FEATURES
        .iter()
        .copied()
        .find(|f| f.iq_routes().iter().any(|r| r.kind == kind && payload.is(r.name, r.ns)))
}

/// Handles one incoming IQ.
pub async fn dispatch(cx: &mut Cx<'_>, iq: Iq) -> Result<()> {
    let (kind, from, id, payload) = match iq {
        Iq::Get { from, id, payload, .. } => (IqKind::Get, from, id, payload),
        Iq::Set { from, id, payload, .. } => (IqKind::Set, from, id, payload),
        Iq::Result { from, id, payload, .. } => return answered(cx, from, id, IqAnswer::Result(payload)).await,
        Iq::Error { from, id, error, .. } => return answered(cx, from, id, IqAnswer::Error(error)).await,
    };
    let reply = match route(kind, &payload) {
        Some(feature) => {
            debug!(feature = feature.name(), "serving an IQ");
            let to = from.clone();
            feature.handle_iq(cx, IqRequest { kind, from: to, id: id.clone(), payload }).await?
        }
        None => Err(condition(DefinedCondition::ServiceUnavailable)),
    };
    let answer = match reply {
        Ok(payload) => Iq::Result { from: None, to: from, id, payload },
        Err(error) => Iq::Error { from: None, to: from, id, payload: None, error },
    };
    cx.out.send(answer).await
}

async fn answered(cx: &mut Cx<'_>, from: Option<Jid>, id: String, answer: IqAnswer) -> Result<()> {
    match cx.state.iqs.resolve(from.as_ref(), &id, answer) {
        Resolution::Answered => Ok(()),
        Resolution::Then(then, answer) => then.answered(cx, Ok(answer)).await,
        Resolution::Unsolicited => {
            warn!(?from, id, "dropped an IQ answer nobody of ours asked that entity for");
            Ok(())
        }
    }
}
