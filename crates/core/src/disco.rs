//! XEP-0030: Service Discovery. What Hongyan answers to disco#info: a `client/pc` identity and
//! the features every registered module declares.

use futures::future::BoxFuture;
use xmpp::parsers::disco::{DiscoInfoQuery, DiscoInfoResult, Identity};
use xmpp::parsers::ns;

use crate::error::Result;
use crate::feature::{Cx, Feature, FEATURES};
use crate::stanza::router::{IqKind, IqReply, IqRequest, IqRoute};

pub struct Disco;

impl Feature for Disco {
    fn name(&self) -> &'static str {
        "disco"
    }

    fn disco_features(&self) -> &'static [&'static str] {
        &[ns::DISCO_INFO]
    }

    fn iq_routes(&self) -> &'static [IqRoute] {
        &[IqRoute { kind: IqKind::Get, name: "query", ns: ns::DISCO_INFO }]
    }

    fn handle_iq<'a, 'b>(&'a self, cx: &'a mut Cx<'b>, request: IqRequest) -> BoxFuture<'a, Result<IqReply>> {
        let _ = cx;
        let node = DiscoInfoQuery::try_from(request.payload).ok().and_then(|q| q.node);
        Box::pin(async move { Ok(Ok(Some(info(node).into()))) })
    }
}

/// Hongyan's disco#info: the identity and the features of every module in [`FEATURES`].
pub fn info(node: Option<String>) -> DiscoInfoResult {
    let features = FEATURES.iter().flat_map(|f| f.disco_features().iter().map(|s| s.to_string())).collect();
    DiscoInfoResult {
        node,
        identities: vec![Identity { category: "client".into(), type_: "pc".into(), lang: None, name: Some("Hongyan".into()) }],
        features,
        extensions: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disco_lists_what_the_modules_declare() {
        let info = info(None);
        assert_eq!(info.identities[0].category, "client");
        for feature in FEATURES {
            for var in feature.disco_features() {
                assert!(info.features.contains(*var), "{var} of {} missing", feature.name());
            }
        }
        assert!(info.features.contains(ns::PING));
    }
}
