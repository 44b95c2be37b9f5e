//! What the engine tells its front end. Every message event is sent after the rows are stored.

use hongyan_store::Message;
use serde::{Deserialize, Serialize};

use crate::contacts::Contact;
use crate::error::ErrorInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnState {
    Offline,
    Connecting,
    Online,
    Reconnecting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", rename_all_fields = "camelCase")]
pub enum Event {
    Connection { account: String, state: ConnState, error: Option<ErrorInfo>, retry_in_secs: Option<u64> },
    /// `replace`: the full list; otherwise these contacts changed.
    Roster { account: String, contacts: Vec<Contact>, replace: bool },
    Messages { account: String, messages: Vec<Message> },
    MessageUpdated { account: String, message: Message },
    /// Someone who is not yet allowed to see our presence asks for it.
    SubscriptionRequest { account: String, jid: String },
}

impl Event {
    /// The event name the desktop shell emits this under.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Connection { .. } => "connection",
            Event::Roster { .. } => "roster",
            Event::Messages { .. } => "messages",
            Event::MessageUpdated { .. } => "message-updated",
            Event::SubscriptionRequest { .. } => "subscription-request",
        }
    }

    pub fn account(&self) -> &str {
        match self {
            Event::Connection { account, .. }
            | Event::Roster { account, .. }
            | Event::Messages { account, .. }
            | Event::MessageUpdated { account, .. }
            | Event::SubscriptionRequest { account, .. } => account,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_ui_expects() {
        let e = Event::Connection { account: "a@b".into(), state: ConnState::Reconnecting, error: None, retry_in_secs: Some(4) };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "connection");
        assert_eq!(v["state"], "reconnecting");
        assert_eq!(v["retryInSecs"], 4);
        assert_eq!(e.name(), "connection");
    }
}
