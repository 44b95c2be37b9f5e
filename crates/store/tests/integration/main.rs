//! Integration tests of hongyan-store, each on a fresh database.

mod accounts;
mod conversations;
mod history;
mod messages;
mod persistence;
mod roster;
mod schema;

use hongyan_store::{Account, Direction, MessageState, NewMessage, Store};

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
    NewMessage {
        account: ME.to_owned(),
        peer: peer.to_owned(),
        direction: Direction::Incoming,
        body: body.to_owned(),
        sent_at,
        received_at: sent_at + 5,
        origin_id: None,
        stanza_id: None,
        state: MessageState::Received,
        error: None,
    }
}

pub fn outgoing(peer: &str, body: &str, sent_at: i64) -> NewMessage {
    NewMessage {
        direction: Direction::Outgoing,
        state: MessageState::Pending,
        received_at: sent_at,
        ..incoming(peer, body, sent_at)
    }
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
