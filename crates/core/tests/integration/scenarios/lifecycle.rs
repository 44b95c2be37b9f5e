//! Connect → online → lost → backoff → online; never again after a conflict.

use hongyan_core::ConnState;

use super::*;

#[tokio::test]
async fn a_lost_connection_reconnects_and_comes_back_online() {
    let mut s = Scenario::start(Options::default()).await;
    s.lose_connection().await;
    let get = s.expect_iq().await;
    s.answer_roster(&get, "").await;
    s.expect_presence().await;
    s.barrier().await;
    assert_eq!(s.client.state(), ConnState::Online);
    let states = states(&s.drain_events());
    assert!(states.ends_with(&[ConnState::Reconnecting, ConnState::Connecting, ConnState::Online]), "{states:?}");
}

#[tokio::test]
async fn transient_failures_are_retried_until_the_server_is_back() {
    let mut s = Scenario::start(Options::default()).await;
    for _ in 0..3 {
        s.memory.fail_next(hongyan_core::Error::Unreachable("down".into()));
    }
    s.lose_connection().await;
    let get = s.expect_iq().await;
    s.answer_roster(&get, "").await;
    s.expect_presence().await;
    assert_eq!(s.client.wait_for_state(|st| st == ConnState::Online).await, ConnState::Online);
}

#[tokio::test]
async fn a_conflict_ends_the_account_without_reconnecting() {
    let mut s = Scenario::start(Options::default()).await;
    s.stream_error("conflict").await;
    assert_eq!(s.client.wait_for_state(|st| st == ConnState::Offline).await, ConnState::Offline);
    let error = s.drain_events().into_iter().rev().find_map(|e| match e {
        Event::Connection { state: ConnState::Offline, error, .. } => error,
        _ => None,
    });
    assert_eq!(error.map(|e| e.code), Some("conflict".to_owned()));
    // The task has ended: nothing is waiting to reconnect, commands are refused.
    let e = s.client.set_presence(hongyan_core::Show::Away, None).await.expect_err("stopped");
    assert_eq!(e.code(), "not_connected");
}

#[tokio::test]
async fn sending_on_a_stopped_account_fails_clearly_and_stores_nothing_however_often() {
    let mut s = Scenario::start(Options::default()).await;
    s.stream_error("conflict").await;
    assert_eq!(s.client.wait_for_state(|st| st == ConnState::Offline).await, ConnState::Offline);
    // Once a command has been refused, the task is surely gone.
    s.client.set_presence(hongyan_core::Show::Away, None).await.expect_err("stopped");
    assert!(s.client.is_stopped());
    for _ in 0..2 {
        let e = s.client.send_chat(&bare("alice@example.org"), "还在吗？").await.expect_err("stopped");
        assert_eq!(e.code(), "not_connected");
    }
    let rows = s.store.history(OWN, "alice@example.org", None, 10).await.expect("history");
    assert!(rows.is_empty(), "{rows:?}");
    assert!(s.store.conversations(OWN).await.expect("conversations").is_empty());
}

#[tokio::test]
async fn a_wrong_password_on_reconnect_stops_retrying() {
    let mut s = Scenario::start(Options::default()).await;
    s.memory.fail_next(hongyan_core::Error::AuthFailed);
    drop_session(&mut s);
    assert_eq!(s.client.wait_for_state(|st| st == ConnState::Offline).await, ConnState::Offline);
    let e = s.client.add_contact(&bare("x@example.org"), None).await.expect_err("stopped");
    assert_eq!(e.code(), "not_connected");
}

fn drop_session(s: &mut Scenario) {
    s.drop_server();
}

#[tokio::test]
async fn disconnecting_says_goodbye_and_ends_the_account() {
    let mut s = Scenario::start(Options::default()).await;
    let client = s.client.clone();
    let bye = tokio::spawn(async move { client.disconnect().await });
    let p = s.expect_presence().await;
    assert_eq!(p.type_, xmpp::parsers::presence::Type::Unavailable);
    bye.await.unwrap();
    assert_eq!(s.client.state(), ConnState::Offline);
    let e = s.client.send_chat(&bare("alice@example.org"), "after").await.expect_err("stopped");
    assert_eq!(e.code(), "not_connected");
}

#[tokio::test]
async fn a_known_account_started_offline_keeps_trying_and_signs_in_when_the_network_is_back() {
    let down = vec![hongyan_core::Error::Unreachable("no network".into()), hongyan_core::Error::Dns("no network".into()), hongyan_core::Error::Timeout];
    let mut s = Scenario::start_offline(Options::default(), known_store().await, down).await.expect("started");
    let get = s.expect_iq().await;
    s.answer_roster(&get, "").await;
    s.expect_presence().await;
    assert_eq!(s.client.wait_for_state(|st| st == ConnState::Online).await, ConnState::Online);
    assert_eq!(s.client.bound_jid().map(|j| j.to_string()).as_deref(), Some(BOUND));
    let states = states(&s.drain_events());
    assert_eq!(states.iter().filter(|st| **st == ConnState::Reconnecting).count(), 3, "{states:?}");
    assert!(!states.contains(&ConnState::Offline), "never reported offline: {states:?}");
}

#[tokio::test]
async fn a_known_account_started_with_a_wrong_password_is_refused_at_once() {
    let result = Scenario::start_offline(Options::default(), known_store().await, vec![hongyan_core::Error::AuthFailed]).await;
    let e = result.err().expect("refused");
    assert_eq!(e.code(), "auth_failed");
}

#[tokio::test]
async fn a_first_sign_in_that_cannot_reach_the_server_fails_without_retrying() {
    let bound = xmpp::parsers::jid::FullJid::new(BOUND).unwrap();
    let (connector, memory) = hongyan_core::transport::memory::pair(bound, Default::default());
    memory.fail_next(hongyan_core::Error::Unreachable("no network".into()));
    let seams = hongyan_core::session::Seams { connector: Arc::new(connector), ..Default::default() };
    let (tx, _rx) = tokio::sync::broadcast::channel(16);
    let config = config();
    let e = Client::connect_with(config, Store::open_memory().await.unwrap(), tx, seams).await.err().expect("fails");
    assert_eq!(e.code(), "unreachable");
}
