//! Engine tests: hongyan-core against real Prosody and ejabberd servers, with a slixmpp peer on
//! the other end. Every scenario runs against both servers.
//!
//! `cargo test -p hongyan-tests --test engine`

mod support;

mod chat;
mod login;
mod poison;
mod presence;
mod register;
mod resilience;
mod resumption;
mod subscriptions;
mod tls;
