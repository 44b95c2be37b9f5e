//! Conversations and messages.

use hongyan_core::store::{Conversation, HistoryCursor, Message};
use hongyan_core::parse_bare_jid;
use tauri::State;

use super::account_key;
use crate::error::Result;
use crate::state::AppState;

/// Largest history page the UI may ask for.
pub const MAX_PAGE: u32 = 200;

#[tauri::command]
pub async fn conversations(
    state: State<'_, AppState>,
    account: String,
) -> Result<Vec<Conversation>> {
    Ok(state.store.conversations(&account_key(&account)?).await?)
}

/// Messages older than `before` (or the newest), oldest first.
#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    account: String,
    peer: String,
    before: Option<HistoryCursor>,
    limit: u32,
) -> Result<Vec<Message>> {
    // The peer as the store spells it (from `conversations`); it may be a server JID without
    // a user part, which is not an address a user could type, so it is not re-parsed.
    let peer = peer.trim();
    let limit = limit.clamp(1, MAX_PAGE);
    Ok(state
        .store
        .history(&account_key(&account)?, peer, before, limit)
        .await?)
}

/// Stores the message and hands it to the session; returns it in state `pending`.
#[tauri::command]
pub async fn send_message(
    state: State<'_, AppState>,
    account: String,
    to: String,
    body: String,
) -> Result<Message> {
    let client = state.client(&account_key(&account)?)?;
    Ok(client.send_chat(&parse_bare_jid(&to)?, &body).await?)
}

/// Marks everything received in the conversation so far as read.
#[tauri::command]
pub async fn mark_read(state: State<'_, AppState>, account: String, peer: String) -> Result<()> {
    let account = account_key(&account)?;
    let peer = peer.trim();
    // By arrival, not by time: a message its sender backdated is still unread until now.
    Ok(state.store.mark_all_read(&account, peer).await?)
}
