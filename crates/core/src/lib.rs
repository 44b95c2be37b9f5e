//! hongyan-core: Hongyan's XMPP engine. One task per account owns the connection; a cheap
//! [`Client`] handle talks to it. No UI dependency: the desktop shell, tests and any other front
//! end use the same API.
//!
//! Layers, bottom up: [`transport`] (DNS/SRV, TCP, TLS with certificate pinning) → [`session`]
//! (SASL with SCRAM, never downgraded; bind; XEP-0198) → [`stanza`] (the one socket writer, IQ
//! tracking and routing, the incoming-message pipeline) → [`account`] (the handle and the task
//! that owns a connection). Protocol features plug in through [`feature`]: [`roster`],
//! [`presence`], [`disco`], [`ping`], [`chat`]. [`register`] is XEP-0077 before login.

pub mod account;
pub mod chat;
pub mod contacts;
pub mod disco;
pub mod error;
pub mod events;
pub mod feature;
pub mod ping;
pub mod presence;
pub mod register;
pub mod roster;
pub mod session;
pub mod stanza;
pub mod transport;

pub use session::sasl::Mechanism;
pub use account::{now_ms, parse_bare_jid, AccountConfig, Client, OwnPresence};
pub use contacts::{Contact, ResourcePresence, Show};
pub use error::{Error, ErrorInfo, Result};
pub use events::{ConnState, Event};
pub use register::register;
pub use transport::ConnectOptions;

pub use hongyan_store as store;
pub use xmpp::jid;
