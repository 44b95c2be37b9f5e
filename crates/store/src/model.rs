//! The values the store keeps and hands out, and their mapping to SQL columns.

use serde::{Deserialize, Serialize};

use crate::Error;

/// An XMPP account the user added. Its password is kept by the OS keyring, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub jid: String,
    /// Server host to connect to instead of the SRV lookup of the JID's domain.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// SHA-256 of the server certificate the user chose to trust: lowercase hex, no colons.
    /// The store refuses any other spelling.
    pub pinned_cert_sha256: Option<String>,
    pub resource: String,
    pub auto_connect: bool,
    /// Milliseconds since the Unix epoch (UTC), like every time in the store.
    pub created_at: i64,
    pub last_login_at: Option<i64>,
}

/// Presence subscription state of a roster item (RFC 6121 §2.1.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subscription {
    None,
    To,
    From,
    Both,
}

impl Subscription {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Subscription::None => "none",
            Subscription::To => "to",
            Subscription::From => "from",
            Subscription::Both => "both",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "none" => Subscription::None,
            "to" => Subscription::To,
            "from" => Subscription::From,
            "both" => Subscription::Both,
            other => return Err(Error::Corrupt(format!("unknown subscription {other:?}"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RosterItem {
    /// Bare JID of the contact.
    pub jid: String,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub subscription: Subscription,
    /// A subscription request of ours is waiting for the contact's answer (`ask="subscribe"`).
    pub ask_pending: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[serde(rename = "in")]
    Incoming,
    #[serde(rename = "out")]
    Outgoing,
}

impl Direction {
    pub(crate) fn code(self) -> i64 {
        match self {
            Direction::Incoming => 0,
            Direction::Outgoing => 1,
        }
    }

    pub(crate) fn from_code(code: i64) -> Result<Self, Error> {
        match code {
            0 => Ok(Direction::Incoming),
            1 => Ok(Direction::Outgoing),
            other => Err(Error::Corrupt(format!("unknown message direction {other}"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    /// Outgoing, not yet handed to the server.
    Pending,
    /// Outgoing, accepted by the server.
    Sent,
    /// Outgoing, could not be delivered (see the message's `error`).
    Failed,
    /// Incoming, or outgoing and confirmed by the recipient.
    Received,
}

impl MessageState {
    pub(crate) fn code(self) -> i64 {
        match self {
            MessageState::Pending => 0,
            MessageState::Sent => 1,
            MessageState::Failed => 2,
            MessageState::Received => 3,
        }
    }

    pub(crate) fn from_code(code: i64) -> Result<Self, Error> {
        match code {
            0 => Ok(MessageState::Pending),
            1 => Ok(MessageState::Sent),
            2 => Ok(MessageState::Failed),
            3 => Ok(MessageState::Received),
            other => Err(Error::Corrupt(format!("unknown message state {other}"))),
        }
    }
}

/// A message about to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    /// Bare JID of a saved account.
    pub account: String,
    /// Bare JID of the other party, compared case-sensitively as given.
    pub peer: String,
    pub direction: Direction,
    pub body: String,
    /// Milliseconds since the epoch (UTC): the sender's time (delay stamp) or now.
    pub sent_at: i64,
    /// Milliseconds since the epoch (UTC): local arrival or creation.
    pub received_at: i64,
    /// XEP-0359 origin-id chosen by the sending client.
    pub origin_id: Option<String>,
    /// XEP-0359 stanza-id given by the archiving server.
    pub stanza_id: Option<String>,
    pub state: MessageState,
    pub error: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub account: String,
    pub peer: String,
    pub direction: Direction,
    pub body: String,
    pub sent_at: i64,
    pub received_at: i64,
    pub origin_id: Option<String>,
    pub stanza_id: Option<String>,
    pub state: MessageState,
    pub error: Option<String>,
}

impl Message {
    pub(crate) fn stored(id: i64, m: &NewMessage) -> Message {
        Message {
            id,
            account: m.account.clone(),
            peer: m.peer.clone(),
            direction: m.direction,
            body: m.body.clone(),
            sent_at: m.sent_at,
            received_at: m.received_at,
            origin_id: m.origin_id.clone(),
            stanza_id: m.stanza_id.clone(),
            state: m.state,
            error: m.error.clone(),
        }
    }
}

/// Outcome of storing a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Inserted {
    /// Stored as a new row.
    New(Message),
    /// The conversation already holds this message (same origin-id in the same direction, or
    /// same stanza-id); this is the stored copy, left unchanged.
    Duplicate(Message),
}

impl Inserted {
    pub fn message(&self) -> &Message {
        match self {
            Inserted::New(m) | Inserted::Duplicate(m) => m,
        }
    }

    pub fn is_new(&self) -> bool {
        matches!(self, Inserted::New(_))
    }

    pub fn into_message(self) -> Message {
        match self {
            Inserted::New(m) | Inserted::Duplicate(m) => m,
        }
    }
}

/// Position in a conversation's history: the oldest message shown, as (sent_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryCursor {
    pub at: i64,
    pub id: i64,
}

impl From<&Message> for HistoryCursor {
    fn from(m: &Message) -> Self {
        HistoryCursor {
            at: m.sent_at,
            id: m.id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub peer: String,
    /// The contact's name from the roster, if it has one.
    pub name: Option<String>,
    /// Newest message by (sent_at, id).
    pub last: Message,
    /// Incoming messages sent after the read marker.
    pub unread: i64,
}

/// Message columns as stored; the account and peer come from the conversation.
#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub direction: i64,
    pub body: String,
    pub sent_at: i64,
    pub received_at: i64,
    pub origin_id: Option<String>,
    pub stanza_id: Option<String>,
    pub state: i64,
    pub error: Option<String>,
}

/// The columns of `message` in [`MessageRow`] order, for `SELECT` lists.
macro_rules! message_columns {
    ($t:literal) => {
        concat!(
            $t,
            ".id, ",
            $t,
            ".direction, ",
            $t,
            ".body, ",
            $t,
            ".sent_at, ",
            $t,
            ".received_at, ",
            $t,
            ".origin_id, ",
            $t,
            ".stanza_id, ",
            $t,
            ".state, ",
            $t,
            ".error"
        )
    };
}
pub(crate) use message_columns;

impl MessageRow {
    pub(crate) fn into_message(self, account: String, peer: String) -> Result<Message, Error> {
        Ok(Message {
            id: self.id,
            account,
            peer,
            direction: Direction::from_code(self.direction)?,
            body: self.body,
            sent_at: self.sent_at,
            received_at: self.received_at,
            origin_id: self.origin_id,
            stanza_id: self.stanza_id,
            state: MessageState::from_code(self.state)?,
            error: self.error,
        })
    }
}

/// A message row together with the JIDs of its conversation.
#[derive(sqlx::FromRow)]
pub(crate) struct FullMessageRow {
    pub account: String,
    pub peer: String,
    #[sqlx(flatten)]
    pub message: MessageRow,
}

impl TryFrom<FullMessageRow> for Message {
    type Error = Error;

    fn try_from(row: FullMessageRow) -> Result<Message, Error> {
        row.message.into_message(row.account, row.peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_codes_round_trip() {
        for d in [Direction::Incoming, Direction::Outgoing] {
            assert_eq!(Direction::from_code(d.code()).unwrap(), d);
        }
        for s in [
            MessageState::Pending,
            MessageState::Sent,
            MessageState::Failed,
            MessageState::Received,
        ] {
            assert_eq!(MessageState::from_code(s.code()).unwrap(), s);
        }
        for s in [
            Subscription::None,
            Subscription::To,
            Subscription::From,
            Subscription::Both,
        ] {
            assert_eq!(Subscription::parse(s.as_str()).unwrap(), s);
        }
        assert!(matches!(Direction::from_code(2), Err(Error::Corrupt(_))));
        assert!(matches!(
            MessageState::from_code(-1),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            Subscription::parse("Both"),
            Err(Error::Corrupt(_))
        ));
    }

    #[test]
    fn serde_names_match_the_ui_contract() {
        let m = Message {
            id: 7,
            account: "me@example.org".into(),
            peer: "you@example.org".into(),
            direction: Direction::Incoming,
            body: "你好 👋".into(),
            sent_at: 1,
            received_at: 2,
            origin_id: Some("o".into()),
            stanza_id: None,
            state: MessageState::Received,
            error: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["direction"], "in");
        assert_eq!(v["state"], "received");
        assert_eq!(v["sentAt"], 1);
        assert_eq!(v["originId"], "o");
        assert_eq!(serde_json::to_value(Direction::Outgoing).unwrap(), "out");
        assert_eq!(serde_json::to_value(Subscription::Both).unwrap(), "both");
        let a = Account {
            jid: "me@example.org".into(),
            host: None,
            port: Some(5222),
            pinned_cert_sha256: None,
            resource: "hongyan".into(),
            auto_connect: true,
            created_at: 3,
            last_login_at: None,
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["pinnedCertSha256"], serde_json::Value::Null);
        assert_eq!(v["autoConnect"], true);
        assert_eq!(serde_json::from_value::<Account>(v).unwrap(), a);
        let ins = serde_json::to_value(Inserted::New(m.clone())).unwrap();
        assert_eq!(ins["new"]["id"], 7);
        assert_eq!(
            serde_json::from_value::<Message>(serde_json::to_value(&m).unwrap()).unwrap(),
            m
        );
    }
}
