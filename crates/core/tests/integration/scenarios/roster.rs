//! RFC 6121 §2 and XEP-0237 over the in-memory server: who may change the roster.

use hongyan_core::store::Subscription;
use xmpp::parsers::iq::Iq;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;
use xmpp::tokio_xmpp::Stanza;

use super::*;

const ALICE: &str = "<item jid='alice@example.org' name='Alice' subscription='both'/>";

async fn roster_jids(s: &Scenario) -> Vec<String> {
    let (_, items) = s.store.roster(OWN).await.expect("roster rows");
    let mut jids: Vec<String> = items.into_iter().map(|i| i.jid).collect();
    jids.sort();
    jids
}

fn is_error(el: &XmppStreamElement, want_id: &str, condition: &str) -> bool {
    match el {
        XmppStreamElement::Stanza(Stanza::Iq(Iq::Error { id, error, .. })) => {
            let el: Element = error.defined_condition.clone().into();
            id == want_id && el.name() == condition
        }
        _ => false,
    }
}

fn is_result(el: &XmppStreamElement, want_id: &str) -> bool {
    matches!(el, XmppStreamElement::Stanza(Stanza::Iq(Iq::Result { id, .. })) if id == want_id)
}

#[tokio::test]
async fn the_roster_result_from_our_account_fills_the_buddy_list_and_the_store() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.assert_silent().await;
    assert_eq!(roster_jids(&s).await, ["alice@example.org"]);
    let alice = s.client.contact("alice@example.org");
    assert!(alice.in_roster);
    assert_eq!(alice.name.as_deref(), Some("Alice"));
    assert_eq!(alice.subscription, Subscription::Both);
    assert!(s.drain_events().iter().any(|e| matches!(e, Event::Roster { replace: true, contacts, .. } if contacts.len() == 1)));
}

#[tokio::test]
async fn without_versioning_offered_the_roster_is_asked_for_without_a_version() {
    let mut s = Scenario::connect(Options::default(), Store::open_memory().await.unwrap()).await;
    let Iq::Get { payload, to, .. } = s.expect_iq().await else { panic!("a get") };
    assert!(to.is_none(), "the roster is our account's");
    assert_eq!(payload.attr("ver"), None);
}

#[tokio::test]
async fn with_versioning_the_first_request_asks_for_everything_and_the_version_is_kept() {
    let store = Store::open_memory().await.unwrap();
    let opts = || Options { features: features(&["<ver xmlns='urn:xmpp:features:rosterver'/>"]), ..Options::default() };
    let mut s = Scenario::connect(opts(), store.clone()).await;
    let get = s.expect_iq().await;
    let Iq::Get { ref payload, ref id, .. } = get else { panic!("a get") };
    assert_eq!(payload.attr("ver"), Some(""), "an empty version asks for the whole roster");
    s.feed(&format!("<iq type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='v7'>{ALICE}</query></iq>")).await;
    s.expect_presence().await;
    s.assert_silent().await;
    assert_eq!(store.roster(OWN).await.unwrap().0.as_deref(), Some("v7"));
}

#[tokio::test]
async fn an_unchanged_versioned_roster_keeps_the_cached_contacts() {
    let store = known_store().await;
    let alice = hongyan_core::store::RosterItem {
        jid: "alice@example.org".into(),
        name: Some("Alice".into()),
        subscription: Subscription::Both,
        ask_pending: false,
        groups: vec!["Team".into()],
    };
    store.replace_roster(OWN, Some("v9"), &[alice]).await.unwrap();
    let opts = Options { features: features(&["<ver xmlns='urn:xmpp:features:rosterver'/>"]), ..Options::default() };
    let mut s = Scenario::connect(opts, store.clone()).await;
    let Iq::Get { payload, id, .. } = s.expect_iq().await else { panic!("a get") };
    assert_eq!(payload.attr("ver"), Some("v9"));
    // XEP-0237 §2.4: an empty result means "what you hold is current".
    s.feed(&format!("<iq type='result' id='{id}'/>")).await;
    s.expect_presence().await;
    s.assert_silent().await;
    assert!(s.client.contact("alice@example.org").in_roster);
    assert_eq!(roster_jids(&s).await, ["alice@example.org"]);
}

#[tokio::test]
async fn a_roster_result_from_someone_else_is_not_an_answer() {
    let mut s = Scenario::connect(Options::default(), Store::open_memory().await.unwrap()).await;
    let Iq::Get { id, .. } = s.expect_iq().await else { panic!("a get") };
    s.expect_presence().await;
    // Same id, forged by a contact and by another resource of our own account.
    for from in ["mallory@example.org/x", "me@example.org/other"] {
        s.feed(&format!(
            "<iq type='result' id='{id}' from='{from}'><query xmlns='jabber:iq:roster'><item jid='evil@example.org' subscription='both'/></query></iq>"
        ))
        .await;
    }
    s.assert_silent().await;
    assert!(roster_jids(&s).await.is_empty());
    assert!(!s.client.contact("evil@example.org").in_roster);
    // The real answer is still taken afterwards.
    s.feed(&format!("<iq type='result' id='{id}'><query xmlns='jabber:iq:roster'>{ALICE}</query></iq>")).await;
    s.assert_silent().await;
    assert_eq!(roster_jids(&s).await, ["alice@example.org"]);
}

#[tokio::test]
async fn a_push_without_from_is_applied_and_acknowledged() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed(&format!("<iq type='set' id='push1'><query xmlns='jabber:iq:roster'>{ALICE}</query></iq>")).await;
    let written = s.barrier().await;
    assert!(written.iter().any(|e| is_result(e, "push1")), "{written:?}");
    assert_eq!(roster_jids(&s).await, ["alice@example.org"]);
}

#[tokio::test]
async fn a_push_from_our_bare_jid_is_applied() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed(&format!("<iq type='set' id='push2' from='me@example.org'><query xmlns='jabber:iq:roster'>{ALICE}</query></iq>")).await;
    let written = s.barrier().await;
    assert!(written.iter().any(|e| is_result(e, "push2")), "{written:?}");
    assert_eq!(roster_jids(&s).await, ["alice@example.org"]);
}

#[tokio::test]
async fn a_push_from_another_of_our_resources_is_refused() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed(&format!("<iq type='set' id='push3' from='me@example.org/evil'><query xmlns='jabber:iq:roster'>{ALICE}</query></iq>")).await;
    let written = s.barrier().await;
    assert!(written.iter().any(|e| is_error(e, "push3", "service-unavailable")), "{written:?}");
    assert!(roster_jids(&s).await.is_empty());
    assert!(!s.client.contact("alice@example.org").in_roster);
}

#[tokio::test]
async fn a_push_from_a_contact_is_refused() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<iq type='set' id='push4' from='alice@example.org/phone'><query xmlns='jabber:iq:roster'><item jid='alice@example.org' subscription='remove'/></query></iq>").await;
    let written = s.barrier().await;
    assert!(written.iter().any(|e| is_error(e, "push4", "service-unavailable")), "{written:?}");
    assert_eq!(roster_jids(&s).await, ["alice@example.org"], "the forged removal changed nothing");
}

#[tokio::test]
async fn a_removal_push_removes_the_contact_and_its_presence() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<presence from='alice@example.org/phone'/>").await;
    s.assert_silent().await;
    assert_eq!(s.client.contact("alice@example.org").resources.len(), 1);
    s.feed("<iq type='set' id='rm'><query xmlns='jabber:iq:roster'><item jid='alice@example.org' subscription='remove'/></query></iq>").await;
    let written = s.barrier().await;
    assert!(written.iter().any(|e| is_result(e, "rm")));
    assert!(roster_jids(&s).await.is_empty());
    let alice = s.client.contact("alice@example.org");
    assert!(!alice.in_roster);
    assert!(alice.resources.is_empty());
}

#[tokio::test]
async fn an_unreadable_push_is_a_bad_request() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<iq type='set' id='bad'><query xmlns='jabber:iq:roster'><item subscription='both'/></query></iq>").await;
    let written = s.barrier().await;
    assert!(written.iter().any(|e| is_error(e, "bad", "bad-request")), "{written:?}");
}

#[tokio::test]
async fn a_pushed_version_is_asked_with_after_a_reconnect() {
    let store = Store::open_memory().await.unwrap();
    let opts = Options { features: features(&["<ver xmlns='urn:xmpp:features:rosterver'/>"]), ..Options::default() };
    let mut s = Scenario::connect(opts, store.clone()).await;
    let get = s.expect_iq().await;
    s.answer_roster(&get, "").await;
    s.expect_presence().await;
    s.feed(&format!("<iq type='set' id='p'><query xmlns='jabber:iq:roster' ver='v12'>{ALICE}</query></iq>")).await;
    s.barrier().await;
    s.lose_connection().await;
    let Iq::Get { payload, .. } = s.expect_iq().await else { panic!("a roster get after reconnecting") };
    assert_eq!(payload.attr("ver"), Some("v12"));
}

#[tokio::test]
async fn adding_a_contact_sets_the_roster_and_asks_to_see_them() {
    let mut s = Scenario::start(Options { features: features(&["<sub xmlns='urn:xmpp:features:pre-approval'/>"]), ..Options::default() }).await;
    let client = s.client.clone();
    let add = tokio::spawn(async move { client.add_contact(&bare("bob@example.org"), Some("Bob".into())).await });
    let Iq::Set { id, payload, to, .. } = s.expect_iq().await else { panic!("a roster set") };
    assert!(to.is_none());
    assert!(payload.is("query", "jabber:iq:roster"));
    let preapproval = s.expect_presence().await;
    assert_eq!(preapproval.type_, xmpp::parsers::presence::Type::Subscribed, "pre-approved, the server offers it");
    let subscribe = s.expect_presence().await;
    assert_eq!(subscribe.type_, xmpp::parsers::presence::Type::Subscribe);
    assert_eq!(subscribe.to, Some(jid("bob@example.org")));
    // A forged answer from elsewhere does not complete the request; ours does.
    s.feed(&format!("<iq type='error' id='{id}' from='bob@example.org/x'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")).await;
    s.feed(&format!("<iq type='result' id='{id}'/>")).await;
    s.barrier().await;
    add.await.unwrap().expect("added");
}

#[tokio::test]
async fn a_refused_roster_set_is_reported_to_the_caller() {
    let mut s = Scenario::start(Options::default()).await;
    let client = s.client.clone();
    let add = tokio::spawn(async move { client.add_contact(&bare("bob@example.org"), None).await });
    let Iq::Set { id, .. } = s.expect_iq().await else { panic!("a roster set") };
    s.expect_presence().await;
    s.feed(&format!("<iq type='error' id='{id}'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")).await;
    let e = add.await.unwrap().expect_err("refused");
    assert_eq!(e.code(), "invalid_input", "{e:?}");
}
