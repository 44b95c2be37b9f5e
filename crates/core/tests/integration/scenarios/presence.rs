//! RFC 6121 §3–4: whose presence is kept, and which subscription requests are approved unasked.

use hongyan_core::Show;
use xmpp::parsers::presence::Type as PresenceType;
use xmpp::tokio_xmpp::xmlstream::XmppStreamElement;
use xmpp::tokio_xmpp::Stanza;

use super::*;

const ALICE: &str = "<item jid='alice@example.org' subscription='both'/>";

fn presences(written: &[XmppStreamElement]) -> Vec<&Presence> {
    written
        .iter()
        .filter_map(|e| match e {
            XmppStreamElement::Stanza(Stanza::Presence(p)) => Some(p),
            _ => None,
        })
        .collect()
}

fn requests(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::SubscriptionRequest { jid, .. } => Some(jid.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_contacts_presence_shows_them_with_their_resource() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<presence from='alice@example.org/phone'><show>away</show><status>在开会</status><priority>5</priority></presence>").await;
    s.assert_silent().await;
    let alice = s.client.contact("alice@example.org");
    assert_eq!(alice.show, Show::Away);
    assert_eq!(alice.status.as_deref(), Some("在开会"));
    assert_eq!(alice.resources.len(), 1);
    assert_eq!(alice.resources[0].resource, "phone");
    assert!(s.drain_events().iter().any(|e| matches!(e, Event::Roster { replace: false, contacts, .. } if contacts[0].jid == "alice@example.org")));
}

#[tokio::test]
async fn unavailable_presence_takes_the_resource_away() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<presence from='alice@example.org/phone'/>").await;
    s.feed("<presence from='alice@example.org/laptop'/>").await;
    s.feed("<presence from='alice@example.org/phone' type='unavailable'/>").await;
    s.assert_silent().await;
    let alice = s.client.contact("alice@example.org");
    assert_eq!(alice.resources.iter().map(|r| r.resource.as_str()).collect::<Vec<_>>(), ["laptop"]);
    assert_eq!(alice.show, Show::Online);
}

#[tokio::test]
async fn a_strangers_presence_is_not_kept() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    for n in 0..50 {
        s.feed(&format!("<presence from='spam{n}@example.net/x'><status>hi</status></presence>")).await;
    }
    s.assert_silent().await;
    let stranger = s.client.contact("spam1@example.net");
    assert!(!stranger.in_roster);
    assert!(stranger.resources.is_empty());
    assert_eq!(stranger.show, Show::Offline);
    assert!(s.drain_events().iter().all(|e| !matches!(e, Event::Roster { replace: false, .. })));
}

#[tokio::test]
async fn our_other_resources_are_not_contacts() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<presence from='me@example.org/phone'/>").await;
    s.assert_silent().await;
    assert!(!s.client.contact(OWN).in_roster);
    assert!(s.client.contacts().iter().all(|c| c.jid != OWN));
}

#[tokio::test]
async fn a_strangers_request_waits_for_the_user() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<presence from='carol@example.org' type='subscribe'/>").await;
    s.assert_silent().await;
    assert_eq!(s.client.subscription_requests(), ["carol@example.org"]);
    assert_eq!(requests(&s.drain_events()), ["carol@example.org"]);
}

#[tokio::test]
async fn seeing_someones_presence_is_not_permission_to_show_them_ours() {
    // We see Dave (subscription "to") but never asked him to see us: his request waits.
    let mut s = Scenario::start(Options { roster: "<item jid='dave@example.org' subscription='to'/>", ..Options::default() }).await;
    s.feed("<presence from='dave@example.org' type='subscribe'/>").await;
    s.assert_silent().await;
    assert_eq!(s.client.subscription_requests(), ["dave@example.org"]);
}

#[tokio::test]
async fn a_request_from_someone_we_asked_is_approved_at_once() {
    let mut s = Scenario::start(Options { roster: "<item jid='erin@example.org' subscription='none' ask='subscribe'/>", ..Options::default() }).await;
    s.feed("<presence from='erin@example.org' type='subscribe'/>").await;
    let written = s.barrier().await;
    let approved = presences(&written);
    assert_eq!(approved.len(), 1, "{written:?}");
    assert_eq!(approved[0].type_, PresenceType::Subscribed);
    assert_eq!(approved[0].to, Some(jid("erin@example.org")));
    assert!(s.client.subscription_requests().is_empty());
}

#[tokio::test]
async fn a_request_from_someone_we_just_added_is_approved_at_once() {
    let mut s = Scenario::start(Options::default()).await;
    let client = s.client.clone();
    let add = tokio::spawn(async move { client.add_contact(&bare("frank@example.org"), None).await });
    let Iq::Set { id, .. } = s.expect_iq().await else { panic!("a roster set") };
    s.expect_presence().await; // subscribe (no pre-approval offered)
    s.feed(&format!("<iq type='result' id='{id}'/>")).await;
    add.await.unwrap().expect("added");
    s.feed("<presence from='frank@example.org' type='subscribe'/>").await;
    let written = s.barrier().await;
    assert!(presences(&written).iter().any(|p| p.type_ == PresenceType::Subscribed), "{written:?}");
}

#[tokio::test]
async fn approving_a_request_lets_them_see_us_and_asks_back() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<presence from='gina@example.org' type='subscribe'/>").await;
    s.barrier().await;
    let client = s.client.clone();
    let answer = tokio::spawn(async move { client.answer_subscription(&bare("gina@example.org"), true).await });
    let written = [s.expect().await, s.expect().await];
    answer.await.unwrap().expect("answered");
    let sent = presences(&written);
    assert_eq!(sent.iter().map(|p| p.type_.clone()).collect::<Vec<_>>(), [PresenceType::Subscribed, PresenceType::Subscribe]);
    assert!(s.client.subscription_requests().is_empty());
}

#[tokio::test]
async fn denying_a_request_says_unsubscribed_only() {
    let mut s = Scenario::start(Options::default()).await;
    s.feed("<presence from='hal@example.org' type='subscribe'/>").await;
    s.barrier().await;
    s.client.answer_subscription(&bare("hal@example.org"), false).await.expect("answered");
    let written = s.barrier().await;
    let sent = presences(&written);
    assert_eq!(sent.len(), 1, "{written:?}");
    assert_eq!(sent[0].type_, PresenceType::Unsubscribed);
}

#[tokio::test]
async fn a_presence_change_is_announced_with_show_and_status() {
    let mut s = Scenario::start(Options::default()).await;
    s.client.set_presence(Show::Dnd, Some("写代码".into())).await.expect("set");
    let p = s.expect_presence().await;
    assert_eq!(p.show, Some(xmpp::parsers::presence::Show::Dnd));
    assert_eq!(p.statuses.values().next().map(String::as_str), Some("写代码"));
    assert!(p.to.is_none());
}

#[tokio::test]
async fn the_roster_is_asked_for_before_presence_is_announced() {
    let mut s = Scenario::connect(Options::default(), Store::open_memory().await.unwrap()).await;
    let first = s.expect().await;
    assert!(matches!(first, XmppStreamElement::Stanza(Stanza::Iq(Iq::Get { .. }))), "{first:?}");
    let second = s.expect().await;
    assert!(matches!(second, XmppStreamElement::Stanza(Stanza::Presence(_))), "{second:?}");
}

#[tokio::test]
async fn after_a_failed_reconnect_contacts_start_offline_and_our_presence_is_announced_again() {
    let mut s = Scenario::start(Options { roster: ALICE, ..Options::default() }).await;
    s.feed("<presence from='alice@example.org/phone'/>").await;
    s.barrier().await;
    s.memory.fail_next(hongyan_core::Error::Unreachable("network down".into()));
    s.lose_connection().await;
    // Everyone went offline with the connection.
    assert!(s.client.contact("alice@example.org").resources.is_empty());
    let get = s.expect_iq().await;
    s.answer_roster(&get, ALICE).await;
    let p = s.expect_presence().await;
    assert!(p.show.is_none(), "online");
    s.client.set_presence(Show::Away, None).await.expect("set");
    assert_eq!(s.expect_presence().await.show, Some(xmpp::parsers::presence::Show::Away));
}
