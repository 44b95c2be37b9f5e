//! Opening an authenticated session: transport → SASL → stream restart → resource binding.

pub mod sasl;
pub mod scram;
pub mod sm;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
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
use crate::transport::{self, read_error, stream_io_error, ConnectOptions, Stream};

/// Upper bound for connecting and logging in; a wrong password is reported well before this.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Session {
    pub stream: Stream,
    pub jid: FullJid,
    pub mechanism: Mechanism,
    pub features: StreamFeatures,
}

pub async fn open(jid: &BareJid, password: &str, resource: &str, opts: &ConnectOptions) -> Result<Session> {
    tokio::time::timeout(LOGIN_TIMEOUT, open_inner(jid, password, resource, opts))
        .await
        .map_err(|_| Error::Timeout)?
}

async fn open_inner(jid: &BareJid, password: &str, resource: &str, opts: &ConnectOptions) -> Result<Session> {
    let username = jid
        .node()
        .ok_or_else(|| Error::InvalidJid(format!("{jid} has no user name")))?
        .as_str()
        .to_owned();
    let transport::Connected { mut stream, features, channel_binding, .. } = transport::connect(jid, opts).await?;
    let mechanism = sasl::authenticate(&mut stream, &features, &channel_binding, &username, password).await?;
    let (features, mut stream) = transport::restart(stream, jid).await?;
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
    Ok(Session { stream, jid, mechanism, features })
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
            Some(Ok(el)) => match el.into_read_error().map_err(read_error)? {
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
