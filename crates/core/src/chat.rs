//! One-to-one chat messages (RFC 6121 §5) with XEP-0359 origin-id/stanza-id and XEP-0203
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
    let sent_at = payload(msg, "delay", ns::DELAY)
        .find_map(|e| Delay::try_from(e.clone()).ok())
        .map(|d| d.stamp.0.timestamp_millis())
        // A sender's clock in the future would pin the message below everything newer.
        .map(|t| t.min(now_ms))
        .unwrap_or(now_ms);
    Incoming::Chat(NewMessage {
        remote_id: msg.id.as_ref().map(|i| i.0.clone()),
        origin_id,
        stanza_id,
        sender_jid: Some(from.to_string()),
        ..NewMessage::incoming(account.to_string(), peer.to_string(), body, sent_at, now_ms)
    })
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
        assert_eq!(m.sent_at, 1_767_323_045_000);
        assert_eq!(m.state, hongyan_store::MessageState::Received);
    }

    #[test]
    fn future_delay_is_clamped_and_bodyless_or_groupchat_ignored() {
        let m = msg("<message xmlns='jabber:client' from='li@example.org/pc'><body>x</body><delay xmlns='urn:xmpp:delay' stamp='2099-01-01T00:00:00Z'/></message>");
        let Incoming::Chat(m) = incoming(&m, &me(), 1_000) else { panic!("not a chat") };
        assert_eq!(m.sent_at, 1_000);
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
        // What we send, we read back the same way.
        let back = Message::try_from(el).unwrap();
        let mut received = back.clone();
        received.from = Some(Jid::new("me@example.org/pc").unwrap());
        let Incoming::Chat(row) = incoming(&received, &to, written + 60_000) else { panic!("not a chat") };
        assert_eq!(row.sent_at, 1_767_323_045_000);
    }
}
