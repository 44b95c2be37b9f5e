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

/// Delivery state of a message. Outgoing messages move forward only:
/// pending → sent → delivered → displayed, or pending/sent → failed (see
/// [`MessageState::can_become`]). Incoming messages are `Received` and stay so.
///
/// Stored as the lowercase name, which is also the name the UI sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageState {
    /// Outgoing, not yet accepted by the server.
    Pending,
    /// Outgoing, accepted by the server (XEP-0198 ack, or written without stream management).
    Sent,
    /// Outgoing, received by the recipient's client (XEP-0184 receipt, XEP-0333 received).
    Delivered,
    /// Outgoing, seen by the recipient (XEP-0333 displayed).
    Displayed,
    /// Outgoing, could not be delivered (see the message's `error`).
    Failed,
    /// Incoming.
    Received,
}

impl MessageState {
    pub const ALL: [MessageState; 6] = [
        MessageState::Pending,
        MessageState::Sent,
        MessageState::Delivered,
        MessageState::Displayed,
        MessageState::Failed,
        MessageState::Received,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Sent => "sent",
            MessageState::Delivered => "delivered",
            MessageState::Displayed => "displayed",
            MessageState::Failed => "failed",
            MessageState::Received => "received",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, Error> {
        MessageState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| Error::Corrupt(format!("unknown message state {s:?}")))
    }

    /// Whether a message in this state may move to `next` through
    /// [`Store::update_state`](crate::Store::update_state). Steps may be skipped (a receipt can
    /// arrive before the server's ack) but never taken back: a late ack does not undo a
    /// failure or a receipt, and a late error does not undo a receipt. Only
    /// [`Store::resend`](crate::Store::resend) leaves `Failed`, and nothing enters `Pending`
    /// or `Received` after the message is stored.
    pub fn can_become(self, next: MessageState) -> bool {
        use MessageState::*;
        matches!(
            (self, next),
            (Pending, Sent | Delivered | Displayed | Failed)
                | (Sent, Delivered | Displayed | Failed)
                | (Delivered, Displayed)
        )
    }

    /// The stored names of the states that may move to `self`, as a JSON array for SQL's
    /// `json_each`.
    pub(crate) fn predecessors_json(self) -> String {
        let names: Vec<&str> = MessageState::ALL
            .into_iter()
            .filter(|from| from.can_become(self))
            .map(MessageState::as_str)
            .collect();
        serde_json::Value::from(names).to_string()
    }
}

/// What a conversation is with: a contact, a room (XEP-0045), or one occupant of a room in
/// private. Stored by name; the set is open so later kinds need no table rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConversationKind {
    #[default]
    Chat,
    Groupchat,
    GroupchatPrivate,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Chat => "chat",
            ConversationKind::Groupchat => "groupchat",
            ConversationKind::GroupchatPrivate => "groupchat-private",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, Error> {
        Ok(match s {
            "chat" => ConversationKind::Chat,
            "groupchat" => ConversationKind::Groupchat,
            "groupchat-private" => ConversationKind::GroupchatPrivate,
            other => {
                return Err(Error::Corrupt(format!(
                    "unknown conversation kind {other:?}"
                )))
            }
        })
    }
}

/// A message about to be stored. Build one with [`NewMessage::incoming`] or
/// [`NewMessage::outgoing`] and set the optional fields that are known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewMessage {
    /// Bare JID of a saved account.
    pub account: String,
    /// Bare JID of the other party (contact or room), or room@service/nick for a private
    /// chat in a room; compared case-sensitively as given.
    pub peer: String,
    /// Kind of the conversation, used when this message creates it; an existing
    /// conversation keeps the kind it has.
    #[serde(default)]
    pub kind: ConversationKind,
    pub direction: Direction,
    /// The stanza's `id` attribute.
    pub remote_id: Option<String>,
    /// XEP-0359 origin-id chosen by the sending client.
    pub origin_id: Option<String>,
    /// XEP-0359 stanza-id given by the archiving server.
    pub stanza_id: Option<String>,
    /// Full JID of the sender, when known.
    pub sender_jid: Option<String>,
    /// Nick of the sending room occupant.
    pub sender_nick: Option<String>,
    /// XEP-0421 occupant-id of the sending room occupant.
    pub occupant_id: Option<String>,
    /// The text; `None` for a message without any.
    pub body: Option<String>,
    /// Milliseconds since the epoch (UTC): the time to show and sort by, as the engine chose
    /// it (a trusted delay stamp, or now).
    pub sent_at: i64,
    /// Milliseconds since the epoch (UTC): the archiving server's time, when known.
    pub server_at: Option<i64>,
    /// Milliseconds since the epoch (UTC): local arrival or creation.
    pub received_at: i64,
    pub state: MessageState,
    pub error: Option<String>,
    /// Older history fetched from an archive while paging back: it goes below everything
    /// stored in local order and so never counts as unread. Catch-up of messages that
    /// arrived while offline is not backfill.
    #[serde(default)]
    pub backfill: bool,
}

impl NewMessage {
    /// An incoming chat message with text, in state `Received`, without ids or sender.
    pub fn incoming(
        account: impl Into<String>,
        peer: impl Into<String>,
        body: impl Into<String>,
        sent_at: i64,
        received_at: i64,
    ) -> NewMessage {
        NewMessage {
            account: account.into(),
            peer: peer.into(),
            kind: ConversationKind::Chat,
            direction: Direction::Incoming,
            remote_id: None,
            origin_id: None,
            stanza_id: None,
            sender_jid: None,
            sender_nick: None,
            occupant_id: None,
            body: Some(body.into()),
            sent_at,
            server_at: None,
            received_at,
            state: MessageState::Received,
            error: None,
            backfill: false,
        }
    }

    /// An outgoing chat message written at `at`, in state `Pending`, without ids.
    pub fn outgoing(
        account: impl Into<String>,
        peer: impl Into<String>,
        body: impl Into<String>,
        at: i64,
    ) -> NewMessage {
        NewMessage {
            direction: Direction::Outgoing,
            state: MessageState::Pending,
            ..NewMessage::incoming(account, peer, body, at, at)
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub account: String,
    pub peer: String,
    pub direction: Direction,
    pub remote_id: Option<String>,
    pub origin_id: Option<String>,
    pub stanza_id: Option<String>,
    pub sender_jid: Option<String>,
    pub sender_nick: Option<String>,
    pub occupant_id: Option<String>,
    /// `None` once retracted, or for a message without text.
    pub body: Option<String>,
    pub sent_at: i64,
    pub server_at: Option<i64>,
    pub received_at: i64,
    /// Local order: the position the message took in this store. Unread counting and read
    /// markers use it; history is ordered by `(sent_at, id)`.
    pub seq: i64,
    pub state: MessageState,
    pub error: Option<String>,
    /// Time of the newest correction applied; earlier versions: [`Store::edit_history`].
    ///
    /// [`Store::edit_history`]: crate::Store::edit_history
    pub edited_at: Option<i64>,
    /// Time of the retraction; the message is a tombstone without text from then on.
    pub retracted_at: Option<i64>,
}

impl Message {
    pub(crate) fn stored(id: i64, seq: i64, m: &NewMessage) -> Message {
        Message {
            id,
            account: m.account.clone(),
            peer: m.peer.clone(),
            direction: m.direction,
            remote_id: m.remote_id.clone(),
            origin_id: m.origin_id.clone(),
            stanza_id: m.stanza_id.clone(),
            sender_jid: m.sender_jid.clone(),
            sender_nick: m.sender_nick.clone(),
            occupant_id: m.occupant_id.clone(),
            body: m.body.clone(),
            sent_at: m.sent_at,
            server_at: m.server_at,
            received_at: m.received_at,
            seq,
            state: m.state,
            error: m.error.clone(),
            edited_at: None,
            retracted_at: None,
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
/// Search pages use it the same way.
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
    pub kind: ConversationKind,
    /// The contact's name from the roster, if it has one.
    pub name: Option<String>,
    /// Newest message by (sent_at, id).
    pub last: Message,
    /// Incoming messages, not retracted, that arrived after the read marker.
    pub unread: i64,
}

/// An earlier version of a corrected message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageVersion {
    pub body: String,
    /// When this version was written: the original's sent_at, or its correction's time.
    pub at: i64,
}

/// One sender's current XEP-0444 reactions to a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reaction {
    /// Bare JID in a chat; occupant-id (else nick) in a room.
    pub sender: String,
    /// No repeats, in the sender's order; never empty.
    pub emojis: Vec<String>,
    pub updated_at: i64,
}

/// Where a file of a message stands. Stored by name; the set is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentState {
    /// Announced by the sender; no local copy yet.
    Offered,
    Downloading,
    Downloaded,
    /// Ours, being uploaded.
    Uploading,
    Uploaded,
    Failed,
}

impl AttachmentState {
    pub const ALL: [AttachmentState; 6] = [
        AttachmentState::Offered,
        AttachmentState::Downloading,
        AttachmentState::Downloaded,
        AttachmentState::Uploading,
        AttachmentState::Uploaded,
        AttachmentState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentState::Offered => "offered",
            AttachmentState::Downloading => "downloading",
            AttachmentState::Downloaded => "downloaded",
            AttachmentState::Uploading => "uploading",
            AttachmentState::Uploaded => "uploaded",
            AttachmentState::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, Error> {
        AttachmentState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| Error::Corrupt(format!("unknown attachment state {s:?}")))
    }
}

/// A file sent or received with a message (HTTP upload, OOB, Jingle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAttachment {
    /// Where the file can be fetched; `None` while an upload of ours has none yet.
    pub url: Option<String>,
    /// The name shown to the user, as the sender gave it. Never used as a path.
    pub name: Option<String>,
    pub mime: Option<String>,
    pub size: Option<u64>,
    /// XEP-0300 hash: algorithm name (e.g. `sha-256`) and base64 value, both or neither.
    pub hash_algo: Option<String>,
    pub hash: Option<String>,
    /// Path of the local copy: chosen by Hongyan inside its own folders, never from a
    /// received name.
    pub local_path: Option<String>,
    pub state: AttachmentState,
    /// Thumbnail as offered by the sender (XEP-0264 URI) and our local copy of it.
    pub thumbnail_url: Option<String>,
    pub thumbnail_path: Option<String>,
}

impl NewAttachment {
    /// A file offered at `url` that is not downloaded yet.
    pub fn offered(url: impl Into<String>) -> NewAttachment {
        NewAttachment {
            url: Some(url.into()),
            name: None,
            mime: None,
            size: None,
            hash_algo: None,
            hash: None,
            local_path: None,
            state: AttachmentState::Offered,
            thumbnail_url: None,
            thumbnail_path: None,
        }
    }
}

/// A stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: i64,
    pub message_id: i64,
    #[serde(flatten)]
    pub file: NewAttachment,
}

/// What a retraction removed: the tombstone left in place of the message, and the files it
/// carried, whose local copies the caller deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retracted {
    pub message: Message,
    pub attachments: Vec<Attachment>,
}

/// An archive item known to this store: its XEP-0359 stanza-id and the archive's time for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivePosition {
    pub stanza_id: String,
    /// Milliseconds since the epoch (UTC), as the archive stamped it.
    pub at: i64,
}

/// How far this store holds an archive (XEP-0313), per (account, archive JID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveSync {
    pub archive: String,
    /// Newest item stored: a catch-up asks for what came after it.
    pub newest: Option<ArchivePosition>,
    /// Oldest item stored: paging back asks for what came before it.
    pub oldest: Option<ArchivePosition>,
    /// Paging back reached the start of the archive.
    pub complete: bool,
}

/// A page of archive results that was stored: its oldest and newest items, and whether the
/// archive said it was the first page (RSM `complete` while paging back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivePage {
    pub oldest: Option<ArchivePosition>,
    pub newest: Option<ArchivePosition>,
    pub reached_start: bool,
}

/// One page of search results, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchPage {
    pub messages: Vec<Message>,
    /// Where the next page starts (pass it as `before`), or `None` when nothing older can
    /// match. A short search looks at a bounded number of messages per call, so a page may
    /// be short, even empty, and still have a next one.
    pub next: Option<HistoryCursor>,
}

/// Message columns as stored; the account and peer come from the conversation.
#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub id: i64,
    pub direction: i64,
    pub remote_id: Option<String>,
    pub origin_id: Option<String>,
    pub stanza_id: Option<String>,
    pub sender_jid: Option<String>,
    pub sender_nick: Option<String>,
    pub occupant_id: Option<String>,
    pub body: Option<String>,
    pub sent_at: i64,
    pub server_at: Option<i64>,
    pub received_at: i64,
    pub seq: i64,
    pub state: String,
    pub error: Option<String>,
    pub edited_at: Option<i64>,
    pub retracted_at: Option<i64>,
}

/// `t.a, t.b, ...` for a table alias and column names.
macro_rules! prefixed {
    ($t:literal; $first:literal $(, $column:literal)*) => {
        concat!($t, ".", $first $(, ", ", $t, ".", $column)*)
    };
}
pub(crate) use prefixed;

/// The columns of `message` in [`MessageRow`] order, for `SELECT` lists.
macro_rules! message_columns {
    ($t:literal) => {
        $crate::model::prefixed!(
            $t; "id", "direction", "remote_id", "origin_id", "stanza_id", "sender_jid",
            "sender_nick", "occupant_id", "body", "sent_at", "server_at", "received_at", "seq",
            "state", "error", "edited_at", "retracted_at"
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
            remote_id: self.remote_id,
            origin_id: self.origin_id,
            stanza_id: self.stanza_id,
            sender_jid: self.sender_jid,
            sender_nick: self.sender_nick,
            occupant_id: self.occupant_id,
            body: self.body,
            sent_at: self.sent_at,
            server_at: self.server_at,
            received_at: self.received_at,
            seq: self.seq,
            state: MessageState::parse(&self.state)?,
            error: self.error,
            edited_at: self.edited_at,
            retracted_at: self.retracted_at,
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
    fn enum_names_round_trip() {
        for d in [Direction::Incoming, Direction::Outgoing] {
            assert_eq!(Direction::from_code(d.code()).unwrap(), d);
        }
        for s in MessageState::ALL {
            assert_eq!(MessageState::parse(s.as_str()).unwrap(), s);
            // The stored name is the name the UI sees.
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in AttachmentState::ALL {
            assert_eq!(AttachmentState::parse(s.as_str()).unwrap(), s);
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for k in [
            ConversationKind::Chat,
            ConversationKind::Groupchat,
            ConversationKind::GroupchatPrivate,
        ] {
            assert_eq!(ConversationKind::parse(k.as_str()).unwrap(), k);
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
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
            MessageState::parse("Sent"),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(MessageState::parse("3"), Err(Error::Corrupt(_))));
        assert!(matches!(AttachmentState::parse(""), Err(Error::Corrupt(_))));
        assert!(matches!(
            ConversationKind::parse("room"),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            Subscription::parse("Both"),
            Err(Error::Corrupt(_))
        ));
    }

    #[test]
    fn states_only_move_forward() {
        use MessageState::*;
        let forward = [
            (Pending, Sent),
            (Pending, Delivered),
            (Pending, Displayed),
            (Pending, Failed),
            (Sent, Delivered),
            (Sent, Displayed),
            (Sent, Failed),
            (Delivered, Displayed),
        ];
        for from in MessageState::ALL {
            for to in MessageState::ALL {
                assert_eq!(
                    from.can_become(to),
                    forward.contains(&(from, to)),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert_eq!(Sent.predecessors_json(), r#"["pending"]"#);
        assert_eq!(
            Displayed.predecessors_json(),
            r#"["pending","sent","delivered"]"#
        );
        assert_eq!(Pending.predecessors_json(), "[]");
        assert_eq!(Received.predecessors_json(), "[]");
    }

    #[test]
    fn constructors_fill_the_usual_values() {
        let m = NewMessage::incoming("me@x", "li@x", "你好", 10, 15);
        assert_eq!(
            (
                m.direction,
                m.state,
                m.body.as_deref(),
                m.sent_at,
                m.received_at
            ),
            (
                Direction::Incoming,
                MessageState::Received,
                Some("你好"),
                10,
                15
            )
        );
        assert_eq!((m.kind, m.backfill), (ConversationKind::Chat, false));
        let o = NewMessage::outgoing("me@x", "li@x", "hi", 20);
        assert_eq!(
            (o.direction, o.state, o.sent_at, o.received_at),
            (Direction::Outgoing, MessageState::Pending, 20, 20)
        );
        assert_eq!((o.remote_id, o.origin_id, o.sender_jid), (None, None, None));
    }

    #[test]
    fn serde_names_match_the_ui_contract() {
        let m = Message {
            id: 7,
            account: "me@example.org".into(),
            peer: "you@example.org".into(),
            direction: Direction::Incoming,
            remote_id: Some("r".into()),
            origin_id: Some("o".into()),
            stanza_id: None,
            sender_jid: Some("you@example.org/phone".into()),
            sender_nick: None,
            occupant_id: None,
            body: Some("你好 👋".into()),
            sent_at: 1,
            server_at: None,
            received_at: 2,
            seq: 3,
            state: MessageState::Received,
            error: None,
            edited_at: Some(4),
            retracted_at: None,
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["direction"], "in");
        assert_eq!(v["state"], "received");
        assert_eq!(v["sentAt"], 1);
        assert_eq!(v["originId"], "o");
        assert_eq!(v["remoteId"], "r");
        assert_eq!(v["senderJid"], "you@example.org/phone");
        assert_eq!(v["editedAt"], 4);
        assert_eq!(v["retractedAt"], serde_json::Value::Null);
        assert_eq!(v["seq"], 3);
        let tombstone = Message {
            body: None,
            retracted_at: Some(9),
            ..m.clone()
        };
        assert_eq!(
            serde_json::to_value(&tombstone).unwrap()["body"],
            serde_json::Value::Null
        );
        assert_eq!(serde_json::to_value(Direction::Outgoing).unwrap(), "out");
        assert_eq!(serde_json::to_value(Subscription::Both).unwrap(), "both");
        assert_eq!(
            serde_json::to_value(MessageState::Delivered).unwrap(),
            "delivered"
        );
        assert_eq!(
            serde_json::to_value(MessageState::Displayed).unwrap(),
            "displayed"
        );
        assert_eq!(
            serde_json::to_value(ConversationKind::GroupchatPrivate).unwrap(),
            "groupchat-private"
        );
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
        let file = Attachment {
            id: 1,
            message_id: 7,
            file: NewAttachment {
                name: Some("报告.pdf".into()),
                ..NewAttachment::offered("https://upload.example.org/x")
            },
        };
        let v = serde_json::to_value(&file).unwrap();
        assert_eq!(v["messageId"], 7);
        assert_eq!(v["name"], "报告.pdf");
        assert_eq!(v["state"], "offered");
        assert_eq!(v["localPath"], serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<Attachment>(v).unwrap(), file);
    }
}
