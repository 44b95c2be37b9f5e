//! Opening an authenticated session: transport → SASL → stream restart → resumption of the
//! previous session (XEP-0198) when there is one to resume, else resource binding.

pub mod sasl;
pub mod scram;
pub mod sm;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use futures::{SinkExt, StreamExt};
use tracing::{debug, warn};
use xmpp::parsers::{
    bind::{BindQuery, BindResponse},
    iq::Iq,
    jid::{BareJid, FullJid},
    stanza_error::DefinedCondition,
    stream_features::StreamFeatures,
};
use xmpp::tokio_xmpp::{xmlstream::XmppStreamElement, Stanza};

use self::sasl::Mechanism;
use crate::error::{Error, Result};
use crate::transport::{self, read_error, stream_io_error, xml::Received, ConnectOptions, SessionStream, Stream};

/// Upper bound for connecting and logging in; a wrong password is reported well before this.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Session {
    pub stream: SessionStream,
    pub jid: FullJid,
    pub mechanism: Mechanism,
    pub features: StreamFeatures,
    /// How resuming the previous session went, when the login asked for it.
    pub resumption: Option<sm::Resumption>,
}

/// What an account needs to open a session.
#[derive(Clone)]
pub struct Login {
    pub jid: BareJid,
    pub password: String,
    pub resource: String,
    pub connect: ConnectOptions,
    /// The session to resume, if any (XEP-0198).
    pub resume: Option<sm::ResumeToken>,
}

/// How an account gets its sessions: [`Network`] in production (TCP, TLS, SASL, bind); an
/// in-memory server in scenario tests ([`crate::transport::memory`]).
pub trait Connector: Send + Sync {
    fn open<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<Session>>;
}

/// Sessions over the network, from [`open`].
pub struct Network;

impl Connector for Network {
    fn open<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<Session>> {
        Box::pin(async move {
            tokio::time::timeout(LOGIN_TIMEOUT, open_inner(login)).await.map_err(|_| Error::Timeout)?
        })
    }
}

/// The seams an account runs on: where sessions come from, and how long it waits between
/// reconnect attempts: given the attempt (0, 1, 2 …) and the longest wait allowed now (longer
/// while the server replays what breaks the stream, see [`crate::account::reconnect`]).
#[derive(Clone)]
pub struct Seams {
    pub connector: Arc<dyn Connector>,
    pub backoff: Arc<dyn Fn(u32, Duration) -> Duration + Send + Sync>,
}

impl Default for Seams {
    fn default() -> Seams {
        use crate::account::reconnect::{backoff, random_jitter};
        Seams { connector: Arc::new(Network), backoff: Arc::new(|attempt, cap| backoff(attempt, cap, random_jitter())) }
    }
}

pub async fn open(jid: &BareJid, password: &str, resource: &str, opts: &ConnectOptions) -> Result<Session> {
    let login = Login {
        jid: jid.clone(),
        password: password.to_owned(),
        resource: resource.to_owned(),
        connect: opts.clone(),
        resume: None,
    };
    Network.open(&login).await
}

async fn open_inner(login: &Login) -> Result<Session> {
    let Login { jid, password, resource, connect: opts, resume } = login;
    let username = jid
        .node()
        .ok_or_else(|| Error::InvalidJid(format!("{jid} has no user name")))?
        .as_str()
        .to_owned();
    let transport::Connected { mut stream, features, channel_binding, .. } = transport::connect(jid, opts).await?;
    let mechanism = sasl::authenticate(&mut stream, &features, &channel_binding, &username, password).await?;
    let (features, mut stream) = transport::restart(stream, jid).await?;
    let resumption = match resume {
        Some(token) if features.stream_management.is_some() => Some(resume_session(&mut stream, token).await?),
        _ => None,
    };
    if let (Some(sm::Resumption::Resumed { .. }), Some(token)) = (resumption, resume) {
        return Ok(Session { stream, jid: token.jid.clone(), mechanism, features, resumption });
    }
    if !features.can_bind() {
        return Err(Error::StreamClosed("the server offers no resource binding".into()));
    }
    let resource = (!resource.is_empty()).then(|| resource.to_owned());
    let reply = request(&mut stream, Iq::from_set("bind-1", BindQuery::new(resource))).await?;
    let jid = match reply {
        Iq::Result { payload: Some(payload), .. } => BindResponse::try_from(payload)
            .map_err(|e| Error::StreamClosed(format!("bad bind answer: {e}")))?
            .into(),
        Iq::Error { error, .. } if error.defined_condition == DefinedCondition::Conflict => return Err(Error::Conflict),
        other => return Err(Error::StreamClosed(format!("resource binding failed: {:?}", other.id()))),
    };
    Ok(Session { stream, jid, mechanism, features, resumption })
}

/// Sends `<resume/>` and reads the server's answer. A `<failed/>` leaves the stream ready for
/// resource binding, as XEP-0198 §5 allows.
pub async fn resume_session(stream: &mut Stream, token: &sm::ResumeToken) -> Result<sm::Resumption> {
    let resume = xmpp::parsers::sm::Resume { h: token.h, previd: xmpp::parsers::sm::StreamId(token.id.clone()) };
    stream
        .send(&XmppStreamElement::SM(xmpp::parsers::sm::Nonza::Resume(resume)))
        .await
        .map_err(stream_io_error)?;
    loop {
        match stream.next().await {
            Some(Ok(Received::Dropped(d))) if sm::is_failed(&d) => {
                debug!("the server could not resume the session and gave no count");
                return Ok(sm::Resumption::Failed { h: None });
            }
            Some(Ok(Received::Dropped(d))) => warn!(element = %d, "dropped an element while resuming"),
            Some(Ok(Received::Element(XmppStreamElement::SM(nonza)))) => match nonza {
                xmpp::parsers::sm::Nonza::Resumed(r) if r.previd.0 == token.id => {
                    return Ok(sm::Resumption::Resumed { h: r.h });
                }
                xmpp::parsers::sm::Nonza::Resumed(r) => {
                    return Err(Error::StreamClosed(format!("the server resumed another session ({})", r.previd.0)));
                }
                xmpp::parsers::sm::Nonza::Failed(f) => {
                    debug!(condition = ?f.error, h = ?f.h, "the server could not resume the session");
                    return Ok(sm::Resumption::Failed { h: f.h });
                }
                _ => continue,
            },
            Some(Ok(Received::Element(XmppStreamElement::StreamError(e)))) => {
                return Err(Error::StreamClosed(e.to_string()));
            }
            Some(Ok(Received::Element(_))) => continue,
            Some(Err(e)) => return Err(read_error(e)),
            None => return Err(Error::StreamClosed("closed while resuming the session".into())),
        }
    }
}

/// Sends an IQ and waits for its answer, during set-up only (before other stanzas flow).
pub(crate) async fn request(stream: &mut Stream, iq: Iq) -> Result<Iq> {
    let id = iq.id().to_owned();
    stream
        .send(&XmppStreamElement::Stanza(Stanza::Iq(iq)))
        .await
        .map_err(stream_io_error)?;
    loop {
        match stream.next().await {
            Some(Ok(Received::Dropped(d))) => warn!(element = %d, "dropped an element during set-up"),
            Some(Ok(Received::Element(el))) => match el {
                XmppStreamElement::Stanza(Stanza::Iq(iq)) if iq.id() == id => {
                    if matches!(iq, Iq::Result { .. } | Iq::Error { .. }) {
                        return Ok(iq);
                    }
                }
                XmppStreamElement::StreamError(e) => return Err(Error::StreamClosed(e.to_string())),
                _ => continue,
            },
            Some(Err(e)) => return Err(read_error(e)),
            None => return Err(Error::StreamClosed("closed while waiting for an answer".into())),
        }
    }
}
