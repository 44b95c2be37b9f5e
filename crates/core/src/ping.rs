//! XEP-0199: XMPP Ping. We answer pings, and ping our server when the stream has been quiet
//! long enough that a dead connection would otherwise go unnoticed.

use futures::future::BoxFuture;
use xmpp::parsers::{iq::Iq, jid::Jid, ns, ping::Ping as WirePing};

use crate::chat;
use crate::error::{Error, Result};
use crate::feature::{Cx, Feature};
use crate::stanza::router::{IqKind, IqReply, IqRequest, IqRoute};

pub struct Ping;

impl Feature for Ping {
    fn name(&self) -> &'static str {
        "ping"
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::PING]
    }

    fn iq_routes(&self) -> &'static [IqRoute] {
        &[IqRoute { kind: IqKind::Get, name: "ping", ns: ns::PING }]
    }

    fn handle_iq<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, request: IqRequest) -> BoxFuture<'a, Result<IqReply>> {
        let _ = (cx, request);
        Box::pin(async { Ok(Ok(None)) })
    }
}

/// The stream was quiet past its soft timeout: ping the server. Its answer (or the stream's
/// hard timeout) is what tells a live connection from a dead one.
pub async fn keepalive(cx: &mut Cx<'_>) -> Result<()> {
    let to = Jid::new(cx.state.config.jid.domain().as_str()).map_err(|e| Error::InvalidJid(e.to_string()))?;
    let _answer = cx.ask(Iq::from_get(chat::new_id(), WirePing).with_to(to)).await?;
    Ok(())
}
