//! hongyan-core: Hongyan's XMPP engine. One task per account owns the connection; a cheap
//! [`Client`] handle talks to it. No UI dependency: the desktop shell, tests and any other front
//! end use the same API.
//!
//! Layers, bottom up: [`transport`] (DNS/SRV, TCP, TLS with certificate pinning) → [`session`]
//! (SASL with SCRAM, never downgraded; bind) → [`client`] (the account task:
//! roster, presence, chats, keepalive, reconnect). [`register`] is XEP-0077 before login.

pub mod chat;
pub mod client;
pub mod contacts;
pub mod error;
pub mod events;
pub mod register;
pub mod session;
pub mod stream_management;
pub mod transport;

pub use session::sasl::Mechanism;
pub use client::{now_ms, parse_bare_jid, AccountConfig, Client, OwnPresence};
pub use contacts::{Contact, ResourcePresence, Show};
pub use error::{Error, ErrorInfo, Result};
pub use events::{ConnState, Event};
pub use register::register;
pub use transport::ConnectOptions;

pub use hongyan_store as store;
pub use xmpp::jid;
