//! XEP-0198 resumption: a dropped connection continues the same session where the server
//! allows it. Nothing the server had is written twice, nothing it missed is lost, and the
//! server's count decides which is which; where it refuses, a new session starts and the
//! messages it had not confirmed go out again with their ids.

use hongyan_core::store::MessageState;
use hongyan_core::Show;
use xmpp::parsers::sm;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;

use super::*;

const ALICE: &str = "<item jid='alice@example.org' subscription='both'/>";
const SESSION: &str = "sm-1";

fn enabled(id: &str) -> sm::Enabled {
    sm::Enabled { id: Some(sm::StreamId(id.into())), location: None, max: Some(300), resume: true }
}

/// Online with resumption granted, Alice online, and two messages written: the server
/// confirmed the first (its count is 3: roster get, presence, first message). Returns the
/// two messages' row ids and the ids they went out with.
async fn two_messages_one_confirmed(s: &mut Scenario) -> [(i64, String); 2] {
    s.feed("<presence from='alice@example.org/phone'/>").await;
    let mut sent = Vec::new();
    for text in ["one", "two"] {
        let row = s.client.send_chat(&bare("alice@example.org"), text).await.expect("queued");
        let id = s.expect_message().await.id.expect("an id").0;
        assert!(matches!(s.expect().await, XmppStreamElement::SM(sm::Nonza::Req(_))));
        sent.push((row.id, id));
    }
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(3)))).await;
    [sent[0].clone(), sent[1].clone()]
}

/// The `<resume/>` the account opens its next connection with.
async fn expect_resume(s: &mut Scenario) -> sm::Resume {
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Resume(r)) => r,
        other => panic!("expected <resume/>, got {other:?}"),
    }
}

async fn state(s: &Scenario, row: i64) -> MessageState {
    s.store.message(row).await.expect("store").expect("the row").state
}

fn message_ids(written: &[XmppStreamElement]) -> Vec<String> {
    written
        .iter()
        .filter_map(|e| match e {
            XmppStreamElement::Stanza(Stanza::Message(m)) => m.id.as_ref().map(|id| id.0.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_dropped_connection_resumes_and_writes_again_only_what_the_server_missed() {
    let mut s = Scenario::start_with_sm(ALICE, enabled(SESSION)).await;
    let [(one, _), (two, two_id)] = two_messages_one_confirmed(&mut s).await;
    s.lose_connection().await;
    let resume = expect_resume(&mut s).await;
    assert_eq!(resume.previd.0, SESSION);
    assert_eq!(resume.h, 2, "handled: the roster result and Alice's presence");
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Resumed(sm::Resumed { h: 3, previd: sm::StreamId(SESSION.into()) })))
        .await;

    // Only the second message again, with its id: no new roster request, no presence.
    let written = s.barrier().await;
    assert_eq!(message_ids(&written), vec![two_id.clone()], "{written:?}");
    assert_eq!(written.len(), 2, "the message and one ack request: {written:?}");
    assert!(matches!(written[1], XmppStreamElement::SM(sm::Nonza::Req(_))));
    assert_eq!(state(&s, two).await, MessageState::Pending, "not confirmed yet");
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(4)))).await;
    s.assert_silent().await;

    assert_eq!(state(&s, one).await, MessageState::Sent);
    assert_eq!(state(&s, two).await, MessageState::Sent);
    assert_eq!(s.store.history(OWN, "alice@example.org", None, 10).await.expect("history").len(), 2);
    assert_eq!(s.client.resumptions(), 1);
    assert_eq!(s.client.contact("alice@example.org").show, Show::Online, "the server kept her presence, so do we");
    assert_eq!(s.client.state(), hongyan_core::ConnState::Online);
}

#[tokio::test]
async fn what_is_written_while_resuming_goes_out_once_on_the_resumed_session() {
    let mut s = Scenario::start_with_sm(ALICE, enabled(SESSION)).await;
    s.lose_connection().await;
    let resume = expect_resume(&mut s).await;
    // Written while the account waits for the server's answer.
    let client = s.client.clone();
    let row = client.send_chat(&bare("alice@example.org"), "while away").await.expect("queued");
    client.set_presence(Show::Away, Some("在路上".into())).await.expect("presence");
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Resumed(sm::Resumed { h: 2, previd: resume.previd }))).await;

    let written = s.barrier().await;
    assert_eq!(message_ids(&written).len(), 1, "{written:?}");
    let presences: Vec<&Presence> = written
        .iter()
        .filter_map(|e| match e {
            XmppStreamElement::Stanza(Stanza::Presence(p)) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(presences.len(), 1, "{written:?}");
    assert_eq!(presences[0].show, Some(xmpp::parsers::presence::Show::Away));
    // Roster get, presence; then on the resumed session the message and the new presence.
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(4)))).await;
    s.barrier().await;
    assert_eq!(state(&s, row.id).await, MessageState::Sent);
    assert_eq!(s.client.resumptions(), 1);
}

#[tokio::test]
async fn a_refused_resumption_starts_afresh_and_resends_what_was_not_confirmed() {
    let mut s = Scenario::start_with_sm(ALICE, enabled(SESSION)).await;
    let [(one, _), (two, two_id)] = two_messages_one_confirmed(&mut s).await;
    s.lose_connection().await;
    expect_resume(&mut s).await;
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Failed(sm::Failed { h: Some(3), error: None }))).await;

    // A new session, set up as at login.
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Enable(e)) => assert!(e.resume, "resumption asked for again"),
        other => panic!("expected <enable/>, got {other:?}"),
    }
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Enabled(enabled("sm-2")))).await;
    let get = s.expect_iq().await;
    s.answer_roster(&get, ALICE).await;
    s.expect_presence().await;
    let written = s.barrier().await;
    assert_eq!(message_ids(&written), vec![two_id], "the unconfirmed one, with its id: {written:?}");

    assert_eq!(state(&s, one).await, MessageState::Sent);
    assert_eq!(state(&s, two).await, MessageState::Pending, "not confirmed on the new session yet");
    assert_eq!(s.client.contact("alice@example.org").show, Show::Offline, "the old session's presences are gone");
    assert_eq!(s.client.resumptions(), 0);
}

#[tokio::test]
async fn a_failed_resumption_without_a_count_confirms_nothing() {
    let mut s = Scenario::start_with_sm(ALICE, enabled(SESSION)).await;
    let row = s.client.send_chat(&bare("alice@example.org"), "maybe").await.expect("queued");
    let id = s.expect_message().await.id.expect("an id").0;
    s.expect().await; // <r/>
    s.lose_connection().await;
    expect_resume(&mut s).await;
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Failed(sm::Failed { h: None, error: None }))).await;
    s.expect().await; // <enable/>
    let get = s.expect_iq().await;
    s.answer_roster(&get, ALICE).await;
    s.expect_presence().await;
    let written = s.barrier().await;
    assert_eq!(message_ids(&written), vec![id], "{written:?}");
    assert_eq!(state(&s, row.id).await, MessageState::Pending, "nothing confirmed it yet");
    // The server refuses acknowledgements on the new stream as well, again without a count
    // (a `<failed/>` the parser cannot read): what was written counts as sent.
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Failed(sm::Failed { h: None, error: None }))).await;
    s.barrier().await;
    assert_eq!(state(&s, row.id).await, MessageState::Sent);
    assert_eq!(s.client.resumptions(), 0);
}

#[tokio::test]
async fn an_answer_resuming_another_session_is_not_taken() {
    let mut s = Scenario::start_with_sm(ALICE, enabled(SESSION)).await;
    s.feed("<presence from='alice@example.org/phone'/>").await;
    s.lose_connection().await;
    expect_resume(&mut s).await;
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Resumed(sm::Resumed { h: 2, previd: sm::StreamId("someone-else".into()) })))
        .await;
    // The account hangs up and tries again, still for its own session.
    s.next_session().await;
    let again = expect_resume(&mut s).await;
    assert_eq!(again.previd.0, SESSION);
    s.feed_element(XmppStreamElement::SM(sm::Nonza::Resumed(sm::Resumed { h: 2, previd: again.previd }))).await;
    s.assert_silent().await;
    assert_eq!(s.client.resumptions(), 1);
}

#[tokio::test]
async fn a_server_that_did_not_grant_resumption_is_not_asked_for_it() {
    let mut s = Scenario::start_with_acks(ALICE).await;
    s.lose_connection().await;
    match s.expect().await {
        XmppStreamElement::SM(sm::Nonza::Enable(_)) => {}
        other => panic!("expected a new session's <enable/>, got {other:?}"),
    }
    assert_eq!(s.client.resumptions(), 0);
}
