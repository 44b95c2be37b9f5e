//! Chat messages in and out: what is stored, what is refused, and delivery states that only
//! move forward.

use hongyan_core::store::{Direction, MessageState};
use xmpp::parsers::sm;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;

use super::*;

const ALICE: &str = "<item jid='alice@example.org' subscription='both'/>";

async fn history(s: &Scenario, peer: &str) -> Vec<hongyan_core::store::Message> {
    s.store.history(OWN, peer, None, 100).await.expect("history")
}

#[tokio::test]
async fn a_chat_message_is_stored_with_its_sender_and_announced() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<message type='chat' id='m1' from='alice@example.org/phone'><body>你好 👋</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>").await;
    s.assert_silent().await;
    let rows = history(&s, "alice@example.org").await;
    assert_eq!(rows.len(), 1);
    let m = &rows[0];
    assert_eq!(m.body.as_deref(), Some("你好 👋"));
    assert_eq!(m.direction, Direction::Incoming);
    assert_eq!(m.sender_jid.as_deref(), Some("alice@example.org/phone"));
    assert_eq!(m.origin_id.as_deref(), Some("o1"));
    assert_eq!(m.remote_id.as_deref(), Some("m1"));
    assert!(s.drain_events().iter().any(|e| matches!(e, Event::Messages { messages, .. } if messages[0].id == m.id)));
}

#[tokio::test]
async fn the_same_message_twice_is_stored_once() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    for _ in 0..2 {
        s.feed("<message type='chat' id='m1' from='alice@example.org/phone'><body>once</body><origin-id xmlns='urn:xmpp:sid:0' id='same'/></message>").await;
    }
    s.assert_silent().await;
    assert_eq!(history(&s, "alice@example.org").await.len(), 1);
    let announced = s.drain_events().iter().filter(|e| matches!(e, Event::Messages { .. })).count();
    assert_eq!(announced, 1);
}

#[tokio::test]
async fn a_message_without_a_sender_or_body_is_not_stored() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<message type='chat' id='x1'><body>from nobody</body></message>").await;
    s.feed("<message type='chat' id='x2' from='alice@example.org/phone'><active xmlns='http://jabber.org/protocol/chatstates'/></message>").await;
    s.feed("<message type='chat' id='x3' from='alice@example.org/phone'><body></body></message>").await;
    s.assert_silent().await;
    assert!(history(&s, "alice@example.org").await.is_empty());
    assert!(s.store.conversations(OWN).await.unwrap().is_empty());
}

#[tokio::test]
async fn groupchat_and_headline_messages_are_not_filed_as_chats() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<message type='groupchat' id='g1' from='room@muc.example.org/alice'><body>room</body></message>").await;
    s.feed("<message type='headline' id='h1' from='news.example.org'><body>news</body></message>").await;
    s.assert_silent().await;
    assert!(s.store.conversations(OWN).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_peers_backdated_stamp_does_not_move_the_message_into_old_history() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    let before = hongyan_core::now_ms();
    s.feed("<message type='chat' id='b1' from='alice@example.org/phone'><body>backdated</body><delay xmlns='urn:xmpp:delay' from='alice@example.org/phone' stamp='2001-01-01T00:00:00Z'/></message>").await;
    s.assert_silent().await;
    let m = &history(&s, "alice@example.org").await[0];
    assert!(m.sent_at >= before, "filed at arrival, not in 2001: {}", m.sent_at);
    assert_eq!(m.server_at, None);
}

#[tokio::test]
async fn our_servers_offline_stamp_is_trusted() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<message type='chat' id='s1' from='alice@example.org/phone'><body>while you were away</body><delay xmlns='urn:xmpp:delay' from='example.org' stamp='2026-12-01T08:00:00Z'/></message>").await;
    s.assert_silent().await;
    let m = &history(&s, "alice@example.org").await[0];
    let stamp = chrono_ms("2026-12-01T08:00:00Z");
    assert_eq!(m.sent_at, stamp);
    assert_eq!(m.server_at, Some(stamp));
}

fn chrono_ms(s: &str) -> i64 {
    let el: Element = format!("<delay xmlns='urn:xmpp:delay' stamp='{s}'/>").parse().unwrap();
    xmpp::parsers::delay::Delay::try_from(el).unwrap().stamp.0.timestamp_millis()
}

#[tokio::test]
async fn a_message_goes_out_with_one_id_and_is_sent_once_written_without_acks() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    let row = s.client.send_chat(&bare("alice@example.org"), "在吗？").await.expect("queued");
    let m = s.expect_message().await;
    assert_eq!(m.to, Some(jid("alice@example.org")));
    let id = m.id.clone().expect("an id").0;
    let origin = m.payloads.iter().find(|p| p.is("origin-id", "urn:xmpp:sid:0")).and_then(|p| p.attr("id")).map(str::to_owned);
    assert_eq!(origin.as_deref(), Some(id.as_str()), "the id and the origin-id are the same");
    assert_eq!(row.origin_id.as_deref(), Some(id.as_str()));
    s.barrier().await;
    assert_eq!(s.store.message(row.id).await.unwrap().unwrap().state, MessageState::Sent);
}

#[tokio::test]
async fn with_acks_a_message_is_sent_only_when_the_server_confirms_it() {
    let mut s = Scenario::start_with_acks(ALICE).await;
    let row = s.client.send_chat(&bare("alice@example.org"), "ack me").await.expect("queued");
    s.expect_message().await;
    assert!(matches!(s.expect().await, XmppStreamElement::SM(sm::Nonza::Req(_))));
    s.barrier().await;
    assert_eq!(s.store.message(row.id).await.unwrap().unwrap().state, MessageState::Pending);
    // Counted: roster get, presence, the message (the barrier's answer too, but the server
    // confirms only what it handled: three).
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(3)))).await;
    s.barrier().await;
    assert_eq!(s.store.message(row.id).await.unwrap().unwrap().state, MessageState::Sent);
}

#[tokio::test]
async fn a_bounce_before_the_ack_leaves_the_message_failed() {
    let mut s = Scenario::start_with_acks(ALICE).await;
    let row = s.client.send_chat(&bare("nobody@example.org"), "hello?").await.expect("queued");
    let m = s.expect_message().await;
    let id = m.id.expect("an id").0;
    s.expect().await; // <r/>
    s.feed(&format!("<message type='error' id='{id}' from='nobody@example.org'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")).await;
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(3)))).await;
    s.barrier().await;
    let final_row = s.store.message(row.id).await.unwrap().unwrap();
    assert_eq!(final_row.state, MessageState::Failed, "{final_row:?}");
    assert!(final_row.error.is_some());
}

#[tokio::test]
async fn only_the_peer_a_message_went_to_can_fail_it() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    let row = s.client.send_chat(&bare("alice@example.org"), "to alice").await.expect("queued");
    let id = s.expect_message().await.id.expect("an id").0;
    s.feed(&format!("<message type='error' id='{id}' from='mallory@example.org'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>")).await;
    s.barrier().await;
    assert_eq!(s.store.message(row.id).await.unwrap().unwrap().state, MessageState::Sent);
}

#[tokio::test]
async fn the_server_asking_for_an_ack_gets_the_count_of_stanzas_handled() {
    let mut s = Scenario::start_with_acks(ALICE).await;
    s.feed("<message type='chat' id='c1' from='alice@example.org/phone'><body>one</body></message>").await;
    s.feed("<message type='chat' id='c2' from='alice@example.org/phone'><body>two</body></message>").await;
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Req(sm::R))).await;
    // The roster result, two messages.
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Ack(a)) => assert_eq!(a.h, 3),
        other => panic!("expected <a/>, got {other:?}"),
    }
}

#[tokio::test]
async fn a_message_written_while_reconnecting_goes_out_once_when_back() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.memory.fail_next(hongyan_core::Error::Unreachable("network down".into()));
    s.memory.fail_next(hongyan_core::Error::Unreachable("network down".into()));
    let old = s.client.clone();
    s.lose_connection().await;
    let get = s.expect_iq().await;
    // Queue while the session is being set up: stored pending, written once.
    let row = old.send_chat(&bare("alice@example.org"), "queued").await.expect("queued");
    s.answer_roster(&get, ALICE).await;
    s.expect_presence().await;
    let written = s.barrier().await;
    let sent: Vec<_> = written.iter().filter(|e| matches!(e, XmppStreamElement::Stanza(Stanza::Message(_)))).collect();
    assert_eq!(sent.len(), 1, "{written:?}");
    assert_eq!(s.store.message(row.id).await.unwrap().unwrap().state, MessageState::Sent);
}

#[tokio::test]
async fn messages_pending_at_start_go_out_after_presence() {
    let store = known_store().await;
    let pending = store
        .insert_message(&hongyan_core::store::NewMessage {
            origin_id: Some("left-over".into()),
            remote_id: Some("left-over".into()),
            ..hongyan_core::store::NewMessage::outgoing(OWN, "alice@example.org", "from last time", hongyan_core::now_ms() - 60_000)
        })
        .await
        .unwrap()
        .message()
        .clone();
    let mut s = Scenario::connect(Options::default(), store.clone()).await;
    let get = s.expect_iq().await;
    s.answer_roster(&get, ALICE).await;
    s.expect_presence().await;
    let m = s.expect_message().await;
    assert_eq!(m.id.map(|i| i.0).as_deref(), Some("left-over"), "resent with the same id");
    assert!(m.payloads.iter().any(|p| p.is("delay", "urn:xmpp:delay")), "it carries when it was written");
    s.barrier().await;
    assert_eq!(store.message(pending.id).await.unwrap().unwrap().state, MessageState::Sent);
}
