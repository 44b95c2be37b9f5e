//! The commands the UI invokes. Each is thin: decode, call the engine or the store, map the
//! error. Arguments arrive camelCase from JavaScript and are snake_case here.

pub mod account;
pub mod app;
pub mod chat;
pub mod roster;

use hongyan_core::parse_bare_jid;

use crate::error::Result;

/// The account key the store and the session map use: the normalised bare JID.
pub(crate) fn account_key(account: &str) -> Result<String> {
    Ok(parse_bare_jid(account)?.to_string())
}

/// Trimmed text, or None when blank.
pub(crate) fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}
