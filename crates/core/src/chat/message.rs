//! The wire side of one-to-one chat messages (RFC 6121 §5) with XEP-0359 origin-id/stanza-id and XEP-0203
//! delayed-delivery stamps: turning stanzas into rows to store, and rows into stanzas to send.

use hongyan_store::NewMessage;
use xmpp::minidom::Element;
use xmpp::parsers::{
    delay::Delay,
    jid::{BareJid, Jid},
    message::{Id, Lang, Message, MessageType},
    ns,
    stanza_error::StanzaError,
    stanza_id::{OriginId, StanzaId},
};

/// A received message stanza, sorted by what the session does with it.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    Chat(NewMessage),
    /// An error bounced for one of our messages: `id` is the id we sent it with.
    Error { peer: String, id: String, text: String },
    Ignored,
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A message that waited longer than this in the outbox (offline, reconnecting) goes out with
/// a XEP-0203 stamp of when it was written; one sent at once needs none.
pub const QUEUED_AFTER_MS: i64 = 3_000;

/// Builds the stanza for an outgoing chat message. Its id and origin-id are the same value, so
/// an error bounced by a server that drops extensions still finds its message. `written` is
/// set for a message that waited in the outbox: `(when it was written, by whom)`, so the peer
/// shows it at the time it was written rather than when the connection came back.
pub fn outgoing(to: &BareJid, body: &str, id: &str, written: Option<(i64, &BareJid)>) -> Message {
    let mut msg = Message::chat(Some(Jid::from(to.clone()))).with_body(Lang::new(), body.to_owned());
    msg.id = Some(Id(id.to_owned()));
    let mut msg = msg.with_payload(OriginId { id: id.to_owned() });
    if let Some(stamp) = written.and_then(|(at, by)| delay_stamp(at).map(|s| (s, by))) {
        msg = msg.with_payload(Delay { from: Some(Jid::from(stamp.1.clone())), stamp: stamp.0, data: None });
    }
    msg
}

fn delay_stamp(at_ms: i64) -> Option<xmpp::parsers::date::DateTime> {
    let utc = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(at_ms)?;
    // Whole seconds: what every client parses; the exact millisecond adds nothing to a chat.
    let seconds = chrono::DateTime::<chrono::Utc>::from_timestamp(utc.timestamp(), 0)?;
    Some(xmpp::parsers::date::DateTime(seconds.fixed_offset()))
}

fn payload<'a>(msg: &'a Message, name: &str, ns: &str) -> impl Iterator<Item = &'a Element> {
    let name = name.to_owned();
    let ns = ns.to_owned();
    msg.payloads.iter().filter(move |p| p.is(name.as_str(), ns.as_str()))
}

pub fn error_text(error: &StanzaError) -> String {
    if let Some(text) = error.texts.values().find(|t| !t.trim().is_empty()) {
        return text.clone();
    }
    // The condition name as the server gave it (e.g. "service-unavailable").
    let el: Element = error.defined_condition.clone().into();
    el.name().to_owned()
}

/// Classifies a message stanza received on `account`'s stream.
pub fn incoming(msg: &Message, account: &BareJid, now_ms: i64) -> Incoming {
    // The server stamps `from` on everything it routes; a message without it is not a chat.
    let Some(from) = msg.from.as_ref() else { return Incoming::Ignored };
    let peer = from.to_bare();
    match msg.type_ {
        MessageType::Error => {
            let Some(id) = msg.id.as_ref().map(|i| i.0.clone()) else { return Incoming::Ignored };
            let text = payload(msg, "error", ns::DEFAULT_NS)
                .find_map(|e| StanzaError::try_from(e.clone()).ok())
                .map(|e| error_text(&e))
                .unwrap_or_else(|| "error".to_owned());
            return Incoming::Error { peer: peer.to_string(), id, text };
        }
        MessageType::Chat | MessageType::Normal => {}
        MessageType::Groupchat | MessageType::Headline => return Incoming::Ignored,
    }
    let Some((_, body)) = msg.get_best_body_cloned(vec![]) else { return Incoming::Ignored };
    if body.is_empty() {
        return Incoming::Ignored;
    }
    let origin_id = payload(msg, "origin-id", ns::SID)
        .find_map(|e| OriginId::try_from(e.clone()).ok())
        .map(|o| o.id);
    // A stanza-id counts only when our own server added it (XEP-0359 §6): anyone else could
    // forge one to collide with, and so hide, a real message.
    let account_jid = Jid::from(account.clone());
    let stanza_id = payload(msg, "stanza-id", ns::SID)
        .filter_map(|e| StanzaId::try_from(e.clone()).ok())
        .find(|s| s.by == account_jid)
        .map(|s| s.id);
    let stamps = trusted_stamps(msg, from, account, now_ms);
    Incoming::Chat(NewMessage {
        remote_id: msg.id.as_ref().map(|i| i.0.clone()),
        origin_id,
        stanza_id,
        sender_jid: Some(from.to_string()),
        server_at: stamps.server_at,
        ..NewMessage::incoming(account.to_string(), peer.to_string(), body, stamps.sent_at, now_ms)
    })
}

/// The times a received message is filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamps {
    /// What history sorts and shows by: a trusted XEP-0203 stamp, else the arrival time.
    pub sent_at: i64,
    /// Our server's own stamp (offline storage), when it added one.
    pub server_at: Option<i64>,
}

/// XEP-0203 stamps are written by whoever sends or relays the stanza, so only those from our
/// own side count: one our server added (it names itself, our domain, in `from`: offline
/// storage on Prosody and ejabberd), or any on a message our own account sent (another of our
/// clients). A peer's stamp is ignored, or a sender could file a new message deep inside old
/// history by backdating it; such a message is filed at its arrival. Unread counting never looks
/// at these times at all (the store counts by arrival order).
///
/// A stamp is never later than `now_ms`: a clock running ahead would pin the message below
/// everything that arrives after it.
pub fn trusted_stamps(msg: &Message, from: &Jid, account: &BareJid, now_ms: i64) -> Stamps {
    let delays: Vec<Delay> = payload(msg, "delay", ns::DELAY)
        .filter_map(|e| Delay::try_from(e.clone()).ok())
        .collect();
    let at = |d: &Delay| d.stamp.0.timestamp_millis().min(now_ms);
    let by_our_server = |d: &&Delay| {
        d.from.as_ref().is_some_and(|f| {
            f.node().is_none() && f.resource().is_none() && f.domain() == account.domain()
        })
    };
    // A server appends its stamp after what the sender wrote: the last one is its own.
    let server_at = delays.iter().rev().find(by_our_server).map(at);
    let ours = from.to_bare() == *account;
    let sent_at = match (server_at, ours) {
        (Some(t), _) => t,
        (None, true) => delays.first().map(at).unwrap_or(now_ms),
        (None, false) => now_ms,
    };
    Stamps { sent_at, server_at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(xml: &str) -> Message {
        let el: Element = xml.parse().unwrap();
        Message::try_from(el).unwrap()
    }

    fn me() -> BareJid {
        BareJid::new("me@example.org").unwrap()
    }

    #[test]
    fn chat_with_ids_and_delay_is_read() {
        let m = msg("<message xmlns='jabber:client' type='chat' from='li@example.org/pc' to='me@example.org'>\
            <body>你好 👋</body>\
            <origin-id xmlns='urn:xmpp:sid:0' id='o-1'/>\
            <stanza-id xmlns='urn:xmpp:sid:0' id='s-forged' by='li@example.org'/>\
            <stanza-id xmlns='urn:xmpp:sid:0' id='s-1' by='me@example.org'/>\
            <delay xmlns='urn:xmpp:delay' stamp='2026-01-02T03:04:05Z'/></message>");
        let Incoming::Chat(m) = incoming(&m, &me(), 1_900_000_000_000) else { panic!("not a chat") };
        assert_eq!(m.peer, "li@example.org");
        assert_eq!(m.body.as_deref(), Some("你好 👋"));
        assert_eq!(m.sender_jid.as_deref(), Some("li@example.org/pc"));
        assert_eq!(m.origin_id.as_deref(), Some("o-1"));
        assert_eq!(m.stanza_id.as_deref(), Some("s-1"), "only our server's stanza-id counts");
        assert_eq!((m.sent_at, m.server_at), (1_900_000_000_000, None), "the sender's own stamp is not taken");
        assert_eq!(m.received_at, 1_900_000_000_000);
        assert_eq!(m.state, hongyan_store::MessageState::Received);
    }

    #[test]
    fn offline_storage_stamps_of_our_server_are_taken() {
        // Prosody and ejabberd stamp a stored message with their domain; a stamp of the
        // sender's may come before it.
        let m = msg("<message xmlns='jabber:client' type='chat' from='li@example.org/pc' to='me@example.org'>\
            <body>昨晚的消息</body>\
            <delay xmlns='urn:xmpp:delay' from='li@example.org/pc' stamp='2001-01-01T00:00:00Z'/>\
            <delay xmlns='urn:xmpp:delay' from='example.org' stamp='2026-01-02T03:04:05Z'>Offline Storage</delay></message>");
        let Incoming::Chat(m) = incoming(&m, &me(), 1_900_000_000_000) else { panic!("not a chat") };
        assert_eq!((m.sent_at, m.server_at), (1_767_323_045_000, Some(1_767_323_045_000)));
        assert_eq!(m.received_at, 1_900_000_000_000);
        // Another server's stamp is the peer's business.
        let other = msg("<message xmlns='jabber:client' type='chat' from='li@other.example/pc'>\
            <body>x</body><delay xmlns='urn:xmpp:delay' from='other.example' stamp='2026-01-02T03:04:05Z'/></message>");
        let Incoming::Chat(m) = incoming(&other, &me(), 1_900_000_000_000) else { panic!("not a chat") };
        assert_eq!((m.sent_at, m.server_at), (1_900_000_000_000, None));
    }

    /// A peer backdates a message to a year ago. It must still be filed where it arrived: last
    /// in its conversation, and unread after everything before it was read.
    #[tokio::test]
    async fn a_backdated_message_from_a_peer_is_filed_at_arrival_and_unread() {
        use hongyan_store::{Account, Store};
        let store = Store::open_memory().await.unwrap();
        store
            .save_account(&Account {
                jid: "me@example.org".into(),
                host: None,
                port: None,
                pinned_cert_sha256: None,
                resource: "pc".into(),
                auto_connect: false,
                created_at: 0,
                last_login_at: None,
            })
            .await
            .unwrap();
        let now = 1_767_323_045_000; // 2026-01-02T03:04:05Z
        let first = msg("<message xmlns='jabber:client' type='chat' from='li@example.org/pc' id='a'><body>早上好</body></message>");
        let Incoming::Chat(first) = incoming(&first, &me(), now - 60_000) else { panic!("not a chat") };
        let first = store.insert_message(&first).await.unwrap().into_message();
        store.mark_all_read("me@example.org", "li@example.org").await.unwrap();

        let backdated = msg("<message xmlns='jabber:client' type='chat' from='li@example.org/pc' id='b'>\
            <body>你没看到这条</body>\
            <delay xmlns='urn:xmpp:delay' from='li@example.org/pc' stamp='2025-01-02T03:04:05Z'/>\
            <delay xmlns='urn:xmpp:delay' stamp='2025-01-02T03:04:05Z'/></message>");
        let Incoming::Chat(row) = incoming(&backdated, &me(), now) else { panic!("not a chat") };
        let stored = store.insert_message(&row).await.unwrap().into_message();

        let conversations = store.conversations("me@example.org").await.unwrap();
        assert_eq!(conversations.len(), 1);
        assert_eq!(conversations[0].last.id, stored.id, "the backdated message is the newest");
        assert_eq!(conversations[0].unread, 1);
        let history = store.history("me@example.org", "li@example.org", None, 10).await.unwrap();
        let ids: Vec<i64> = history.iter().map(|m| m.id).collect();
        assert_eq!(ids, [first.id, stored.id]);
        let kept = store.message(stored.id).await.unwrap().unwrap();
        assert_eq!((kept.sent_at, kept.server_at, kept.received_at), (now, None, now));
        assert_eq!(kept.remote_id.as_deref(), Some("b"));
    }

    #[test]
    fn future_delay_is_clamped_and_bodyless_or_groupchat_ignored() {
        let m = msg("<message xmlns='jabber:client' from='li@example.org/pc'><body>x</body><delay xmlns='urn:xmpp:delay' stamp='2099-01-01T00:00:00Z'/></message>");
        let Incoming::Chat(m) = incoming(&m, &me(), 1_000) else { panic!("not a chat") };
        assert_eq!(m.sent_at, 1_000);
        let ahead = msg("<message xmlns='jabber:client' from='me@example.org/phone'><body>x</body><delay xmlns='urn:xmpp:delay' from='example.org' stamp='2099-01-01T00:00:00Z'/></message>");
        let Incoming::Chat(m) = incoming(&ahead, &me(), 1_000) else { panic!("not a chat") };
        assert_eq!((m.sent_at, m.server_at), (1_000, Some(1_000)));
        let typing = msg("<message xmlns='jabber:client' type='chat' from='li@example.org/pc'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
        assert_eq!(incoming(&typing, &me(), 1), Incoming::Ignored);
        let room = msg("<message xmlns='jabber:client' type='groupchat' from='room@conf.example.org/li'><body>x</body></message>");
        assert_eq!(incoming(&room, &me(), 1), Incoming::Ignored);
        let anonymous = msg("<message xmlns='jabber:client' type='chat'><body>x</body></message>");
        assert_eq!(incoming(&anonymous, &me(), 1), Incoming::Ignored);
    }

    #[test]
    fn error_reply_names_the_message_it_answers() {
        let m = msg("<message xmlns='jabber:client' type='error' id='abc' from='nobody@example.org'>\
            <error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
        assert_eq!(
            incoming(&m, &me(), 1),
            Incoming::Error { peer: "nobody@example.org".into(), id: "abc".into(), text: "service-unavailable".into() }
        );
    }

    #[test]
    fn outgoing_carries_origin_id_equal_to_id() {
        let to = BareJid::new("li@example.org").unwrap();
        let m = outgoing(&to, "早上好", "id-9", None);
        let el: Element = m.into();
        assert!(el.get_child("delay", ns::DELAY).is_none(), "sent at once: no stamp");
        assert_eq!(el.attr("id"), Some("id-9"));
        assert_eq!(el.attr("type"), Some("chat"));
        let origin = el.get_child("origin-id", ns::SID).unwrap();
        assert_eq!(origin.attr("id"), Some("id-9"));
        assert_eq!(el.get_child("body", ns::DEFAULT_NS).unwrap().text(), "早上好");
    }

    #[test]
    fn a_queued_message_carries_when_it_was_written() {
        let to = BareJid::new("li@example.org").unwrap();
        let written = 1_767_323_045_678; // 2026-01-02T03:04:05.678Z
        let el: Element = outgoing(&to, "离线时写的", "id-10", Some((written, &me()))).into();
        let delay = Delay::try_from(el.get_child("delay", ns::DELAY).unwrap().clone()).unwrap();
        assert_eq!(delay.stamp.0.timestamp(), 1_767_323_045);
        assert_eq!(delay.from, Some(Jid::from(me())));
        // Our own stamp counts where our own account sent it (a message to ourselves)...
        let mut received = Message::try_from(el).unwrap();
        received.from = Some(Jid::new("me@example.org/pc").unwrap());
        let Incoming::Chat(row) = incoming(&received, &me(), written + 60_000) else { panic!("not a chat") };
        assert_eq!(row.sent_at, 1_767_323_045_000);
        // ...but a Hongyan on the other end files it at arrival: it is the sender's word.
        let Incoming::Chat(row) = incoming(&received, &to, written + 60_000) else { panic!("not a chat") };
        assert_eq!((row.sent_at, row.server_at), (written + 60_000, None));
    }
}
