//! Contacts, subscriptions and own presence.

use hongyan_core::contacts::Contacts;
use hongyan_core::{parse_bare_jid, Contact, OwnPresence, Show};
use tauri::State;

use super::{account_key, non_blank};
use crate::error::Result;
use crate::state::AppState;

/// The contact list: live roster and presence when signed in, else the cached roster.
#[tauri::command]
pub async fn roster(state: State<'_, AppState>, account: String) -> Result<Vec<Contact>> {
    let account = account_key(&account)?;
    if let Some(client) = state.live(&account) {
        return Ok(client.contacts());
    }
    let (_, items) = state.store.roster(&account).await?;
    let mut cached = Contacts::default();
    cached.replace_roster(items);
    Ok(cached.all())
}

#[tauri::command]
pub async fn add_contact(
    state: State<'_, AppState>,
    account: String,
    jid: String,
    name: Option<String>,
) -> Result<()> {
    let client = state.client(&account_key(&account)?)?;
    Ok(client
        .add_contact(&parse_bare_jid(&jid)?, non_blank(name))
        .await?)
}

#[tauri::command]
pub async fn answer_subscription(
    state: State<'_, AppState>,
    account: String,
    jid: String,
    approve: bool,
) -> Result<()> {
    let client = state.client(&account_key(&account)?)?;
    Ok(client
        .answer_subscription(&parse_bare_jid(&jid)?, approve)
        .await?)
}

/// Requests that arrived before the window listened for them.
#[tauri::command]
pub fn subscription_requests(state: State<'_, AppState>, account: String) -> Result<Vec<String>> {
    Ok(state.client(&account_key(&account)?)?.subscription_requests())
}

/// Announces the own presence and keeps it: it survives signing out and in and restarts, and
/// the next sign-in announces it first.
#[tauri::command]
pub async fn set_presence(
    state: State<'_, AppState>,
    account: String,
    show: Show,
    status: Option<String>,
) -> Result<()> {
    let account = account_key(&account)?;
    let client = state.client(&account)?;
    let presence = OwnPresence {
        show,
        status: non_blank(status),
    };
    super::account::keep_presence(&state, &account, &presence).await?;
    Ok(client.set_presence(presence.show, presence.status).await?)
}
