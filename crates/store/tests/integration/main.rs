//! Integration tests of hongyan-store, each on a fresh database.

mod accounts;
mod archive;
mod conversations;
mod edits;
mod files;
mod history;
mod messages;
mod migration;
mod persistence;
mod reactions;
mod roster;
mod schema;
mod search;
mod states;

use hongyan_store::{Account, NewMessage, Store};

pub const ME: &str = "me@example.org";

pub fn account(jid: &str) -> Account {
    Account {
        jid: jid.to_owned(),
        host: None,
        port: None,
        pinned_cert_sha256: None,
        resource: "hongyan".to_owned(),
        auto_connect: true,
        created_at: 1_700_000_000_000,
        last_login_at: None,
    }
}

/// An in-memory store with the account [`ME`] saved.
pub async fn store() -> Store {
    let store = Store::open_memory().await.unwrap();
    store.save_account(&account(ME)).await.unwrap();
    store
}

pub fn incoming(peer: &str, body: &str, sent_at: i64) -> NewMessage {
    NewMessage::incoming(ME, peer, body, sent_at, sent_at + 5)
}

pub fn outgoing(peer: &str, body: &str, sent_at: i64) -> NewMessage {
    NewMessage::outgoing(ME, peer, body, sent_at)
}

/// The body of a stored message, `""` for none.
pub fn text(m: &hongyan_store::Message) -> &str {
    m.body.as_deref().unwrap_or_default()
}

/// Small deterministic generator, so scenario tests are reproducible without extra crates.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}
