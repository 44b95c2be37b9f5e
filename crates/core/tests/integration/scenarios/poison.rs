//! Stanzas a server accepted but Hongyan cannot use: dropped without costing the stream, still
//! counted for XEP-0198; data the parser refuses is acknowledged before the stream ends; and a
//! server that replays it after every sign-in is noticed and retried less and less often.

use hongyan_core::store::Direction;
use hongyan_core::ConnState;
use xmpp::minidom::Element;
use xmpp::parsers::sm;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;
use xmpp::tokio_xmpp::Stanza;

use super::*;

const ALICE: &str = "<item jid='alice@example.org' subscription='both'/>";

/// Longer than the 1 MiB Hongyan's parser accepts for one attribute value.
const TOO_LONG: usize = 1_100_000;

/// A chat message from Alice carrying `payload`.
fn from_alice(id: &str, body: &str, payload: Element) -> XmppStreamElement {
    let xml = format!("<message type='chat' id='{id}' from='alice@example.org/phone'><body>{body}</body></message>");
    let Stanza::Message(mut m) = stanza(&xml) else { unreachable!("a message") };
    m.payloads.push(payload);
    XmppStreamElement::Stanza(Stanza::Message(m))
}

/// `levels` nested elements (the outermost counted as one).
fn nested(levels: usize) -> Element {
    let mut el = Element::builder("n", "urn:example:deep").build();
    for _ in 1..levels {
        el = Element::builder("n", "urn:example:deep").append(el).build();
    }
    el
}

/// An unknown element with one attribute of `len` bytes.
fn long_attribute(len: usize) -> Element {
    let name = rxml::NcName::try_from("data").expect("a name");
    Element::builder("x", "urn:example:poison").attr(name, "A".repeat(len)).build()
}

fn too_long_attribute() -> Element {
    long_attribute(TOO_LONG)
}

fn bodies(rows: &[hongyan_core::store::Message]) -> Vec<&str> {
    rows.iter().filter(|m| m.direction == Direction::Incoming).filter_map(|m| m.body.as_deref()).collect()
}

/// The error codes announced with each `Reconnecting`.
fn retry_reasons(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Connection { state: ConnState::Reconnecting, error, .. } => {
                Some(error.as_ref().map(|e| e.code.clone()).unwrap_or_default())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_message_with_a_large_attribute_and_nesting_is_stored_and_the_stream_goes_on() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    let big = long_attribute(250_000);
    s.feed_element(from_alice("m1", "大属性", big)).await;
    s.feed_element(from_alice("m2", "一百层", nested(100))).await;
    s.assert_silent().await;
    let rows = s.store.history(OWN, "alice@example.org", None, 10).await.expect("history");
    assert_eq!(bodies(&rows), ["大属性", "一百层"]);
    assert_eq!(s.client.state(), ConnState::Online);
    assert!(!states(&s.drain_events()).contains(&ConnState::Reconnecting));
}

#[tokio::test]
async fn a_stanza_nested_too_deep_is_dropped_but_counted_and_the_next_one_arrives() {
    let mut s = Scenario::start_with_acks(ALICE).await;
    s.feed_element(from_alice("deep", "太深", nested(200))).await;
    s.feed("<message type='chat' id='after' from='alice@example.org/phone'><body>之后</body></message>").await;
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Req(sm::R))).await;
    // The roster result, the dropped message, the one after it.
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Ack(a)) => assert_eq!(a.h, 3),
        other => panic!("expected <a/>, got {other:?}"),
    }
    s.assert_silent().await;
    let rows = s.store.history(OWN, "alice@example.org", None, 10).await.expect("history");
    assert_eq!(bodies(&rows), ["之后"]);
    assert_eq!(s.client.state(), ConnState::Online);
    assert!(!states(&s.drain_events()).contains(&ConnState::Reconnecting));
}

#[tokio::test]
async fn data_the_parser_refuses_inside_a_stanza_is_acknowledged_before_the_stream_ends() {
    let mut s = Scenario::start_with_acks(ALICE).await;
    s.feed_poison(from_alice("refused", "超长", too_long_attribute())).await;
    // The roster result and the refused message: the server may forget it.
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Ack(a)) => assert_eq!(a.h, 2),
        other => panic!("expected <a/> before the stream ends, got {other:?}"),
    }
    s.next_session().await;
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Enable(_)) => {}
        other => panic!("expected <enable/> on the new stream, got {other:?}"),
    }
    let get = s.expect_iq().await;
    s.answer_roster(&get, ALICE).await;
    s.expect_presence().await;
    s.feed("<message type='chat' id='after' from='alice@example.org/phone'><body>之后</body></message>").await;
    s.barrier().await;
    assert_eq!(s.client.state(), ConnState::Online);
    assert_eq!(retry_reasons(&s.drain_events()), ["unreadable_input"]);
    let rows = s.store.history(OWN, "alice@example.org", None, 10).await.expect("history");
    assert_eq!(bodies(&rows), ["之后"]);
}

#[tokio::test]
async fn the_same_unreadable_data_after_every_sign_in_is_a_loop_retried_less_often() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    // Without XEP-0198 nothing can be acknowledged: the server hands the message over again
    // right after each sign-in.
    for session in 0..4 {
        if session > 0 {
            s.next_session().await;
            let get = s.expect_iq().await;
            s.answer_roster(&get, ALICE).await;
            s.expect_presence().await;
        }
        s.feed_poison(from_alice("refused", "超长", too_long_attribute())).await;
        // The account ends the stream.
        assert!(s.expect_end().await, "session {session}: the stream should end");
    }
    s.next_session().await;
    let reasons = retry_reasons(&s.drain_events());
    assert_eq!(reasons, ["unreadable_input", "unreadable_input", "receive_loop", "receive_loop"]);
    // Each wait starts further along, and once it is a loop the cap is a quarter of an hour
    // instead of a minute.
    let asked = s.backoffs.lock().expect("backoffs").clone();
    let minute = Duration::from_secs(60);
    let quarter = Duration::from_secs(15 * 60);
    assert_eq!(asked, [(0, minute), (1, minute), (2, quarter), (3, quarter)]);
    let rows = s.store.history(OWN, "alice@example.org", None, 10).await.expect("history");
    assert!(bodies(&rows).is_empty());
}
