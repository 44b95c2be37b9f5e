//! The IQ router: what Hongyan answers, and what it does with answers nobody asked for.

use xmpp::parsers::disco::DiscoInfoResult;
use xmpp::parsers::iq::Iq;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;
use xmpp::tokio_xmpp::Stanza;

use super::*;

fn reply(written: &[XmppStreamElement], want: &str) -> Iq {
    written
        .iter()
        .find_map(|e| match e {
            XmppStreamElement::Stanza(Stanza::Iq(iq @ (Iq::Result { id, .. } | Iq::Error { id, .. }))) if id == want => Some(iq.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no answer to {want} in {written:?}"))
}

fn condition(iq: &Iq) -> String {
    match iq {
        Iq::Error { error, .. } => {
            let el: Element = error.defined_condition.clone().into();
            el.name().to_owned()
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_get_is_service_unavailable_addressed_to_the_asker() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<iq type='get' id='v1' from='alice@example.org/phone'><query xmlns='jabber:iq:version'/></iq>").await;
    let written = s.barrier().await;
    let answer = reply(&written, "v1");
    assert_eq!(condition(&answer), "service-unavailable");
    let Iq::Error { to, .. } = answer else { unreachable!() };
    assert_eq!(to, Some(jid("alice@example.org/phone")));
}

#[tokio::test]
async fn an_unknown_set_is_service_unavailable() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<iq type='set' id='s1' from='alice@example.org/phone'><block xmlns='urn:xmpp:blocking'><item jid='x@y'/></block></iq>").await;
    let written = s.barrier().await;
    assert_eq!(condition(&reply(&written, "s1")), "service-unavailable");
}

#[tokio::test]
async fn a_ping_is_answered_with_an_empty_result() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<iq type='get' id='pp' from='alice@example.org/phone'><ping xmlns='urn:xmpp:ping'/></iq>").await;
    let written = s.barrier().await;
    let Iq::Result { payload, to, .. } = reply(&written, "pp") else { panic!("a result") };
    assert!(payload.is_none());
    assert_eq!(to, Some(jid("alice@example.org/phone")));
}

#[tokio::test]
async fn disco_info_answers_from_the_registered_features() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<iq type='get' id='d1' from='alice@example.org/phone'><query xmlns='http://jabber.org/protocol/disco#info' node='n#v'/></iq>").await;
    let written = s.barrier().await;
    let Iq::Result { payload: Some(payload), .. } = reply(&written, "d1") else { panic!("a result with a payload") };
    let info = DiscoInfoResult::try_from(payload).expect("disco#info result");
    assert_eq!(info.node.as_deref(), Some("n#v"));
    assert_eq!(info.identities[0].category, "client");
    assert_eq!(info.identities[0].type_, "pc");
    for feature in hongyan_core::feature::FEATURES {
        for var in feature.disco_features() {
            assert!(info.features.contains(*var), "{var} missing");
        }
    }
    for var in ["http://jabber.org/protocol/disco#info", "urn:xmpp:ping", "urn:xmpp:sid:0"] {
        assert!(info.features.contains(var), "{var} missing from {:?}", info.features);
    }
}

#[tokio::test]
async fn an_answer_nobody_asked_for_is_dropped_silently() {
    let mut s = Scenario::start(Options::default()).await;
    s.barrier().await;
    s.drain_events();
    s.feed("<iq type='result' id='never-sent' from='alice@example.org/phone'/>").await;
    s.feed("<iq type='error' id='never-sent-2'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>").await;
    s.assert_silent().await;
    assert!(s.drain_events().iter().all(|e| !matches!(e, Event::Roster { .. } | Event::Messages { .. })));
}
