//! Accounts: create on the server, sign in and out, forget.

use hongyan_core::store::Account;
use hongyan_core::transport::tls::normalize_fingerprint;
use hongyan_core::jid::BareJid;
use hongyan_core::{
    parse_bare_jid, AccountConfig, Client, ConnState, ConnectOptions, OwnPresence, Show,
};
use serde::{Deserialize, Serialize};
use tauri::State;
use tracing::{info, warn};

use super::{account_key, non_blank};
use crate::error::{Error, Result};
use crate::sandbox::Sandbox;
use crate::secrets;
use crate::state::AppState;

/// A saved account as the UI lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    #[serde(flatten)]
    pub account: Account,
    /// The OS keyring holds a password for it.
    pub has_password: bool,
    pub state: ConnState,
    /// The own presence last chosen for it, announced at its next sign-in.
    pub show: Show,
    pub status: Option<String>,
}

impl AccountView {
    fn new(account: Account, has_password: bool, state: ConnState, presence: OwnPresence) -> Self {
        AccountView {
            account,
            has_password,
            state,
            show: presence.show,
            status: presence.status,
        }
    }
}

/// No `Debug`: it carries a password.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub jid: String,
    /// None: use the password saved in the keyring.
    pub password: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    #[serde(default)]
    pub remember: bool,
    pub trust_cert_sha256: Option<String>,
}

/// No `Debug`: it carries a password.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    pub jid: String,
    pub password: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub trust_cert_sha256: Option<String>,
}

/// Where and how to connect: what the user typed, else the sandbox for an address on the sandbox's
/// domain (whatever port it has today), else what the saved account remembers.
/// A newly trusted certificate replaces the saved pin (the engine stores it on success).
pub fn connect_options(
    jid: &BareJid,
    host: Option<String>,
    port: Option<u16>,
    trust_cert_sha256: Option<String>,
    saved: Option<&Account>,
    sandbox: Option<&Sandbox>,
) -> Result<ConnectOptions> {
    let host = non_blank(host);
    if port == Some(0) {
        return Err(Error::invalid_input("the port must be between 1 and 65535"));
    }
    let (host, port) = match (host, port, sandbox_for(jid, sandbox), saved) {
        (None, None, Some(s), _) => (Some(s.host.clone()), Some(s.port)),
        (None, None, None, Some(a)) => (a.host.clone(), a.port),
        (host, port, _, _) => (host, port),
    };
    let pinned_cert = match non_blank(trust_cert_sha256) {
        Some(fp) => Some(normalize_fingerprint(&fp)?),
        None => saved.and_then(|a| a.pinned_cert_sha256.clone()),
    };
    Ok(ConnectOptions {
        host,
        port,
        pinned_cert,
    })
}

/// The sandbox when `jid` lives on it. Its port changes between runs, so accounts there are
/// known by their domain and never remember a host and port.
fn sandbox_for<'a>(jid: &BareJid, sandbox: Option<&'a Sandbox>) -> Option<&'a Sandbox> {
    sandbox.filter(|s| jid.domain().as_str().eq_ignore_ascii_case(&s.domain))
}

/// A resource of our own per installation, so two devices never kick each other off.
fn new_resource() -> String {
    let id = hongyan_core::chat::new_id().replace('-', "");
    format!("hongyan.{}", &id[..8.min(id.len())])
}

fn check_password(password: &str) -> Result<()> {
    if password.is_empty() {
        return Err(Error::invalid_input("the password is empty"));
    }
    Ok(())
}

#[tauri::command]
pub async fn accounts(state: State<'_, AppState>) -> Result<Vec<AccountView>> {
    let accounts = state.store.accounts().await?;
    let saved = secrets::saved(accounts.iter().map(|a| a.jid.clone()).collect()).await?;
    let mut views = Vec::with_capacity(accounts.len());
    for (account, has_password) in accounts.into_iter().zip(saved) {
        let presence = OwnPresence::saved(&state.store, &account.jid).await?;
        let connection = state.state_of(&account.jid);
        views.push(AccountView::new(account, has_password, connection, presence));
    }
    Ok(views)
}

/// Creates the account on the server (XEP-0077). The UI signs in afterwards.
#[tauri::command]
pub async fn register_account(state: State<'_, AppState>, request: RegisterRequest) -> Result<()> {
    let jid = parse_bare_jid(&request.jid)?;
    check_password(&request.password)?;
    let saved = state.store.account(jid.as_str()).await?;
    let options = connect_options(
        &jid,
        request.host,
        request.port,
        request.trust_cert_sha256,
        saved.as_ref(),
        state.sandbox.as_ref(),
    )?;
    state
        .cancellable(jid.as_str(), async {
            Ok(hongyan_core::register(&jid, &request.password, &options).await?)
        })
        .await?;
    info!(account = %jid, "account created on the server");
    Ok(())
}

#[tauri::command]
pub async fn login(state: State<'_, AppState>, request: LoginRequest) -> Result<AccountView> {
    let jid = parse_bare_jid(&request.jid)?;
    let account = jid.to_string();
    let saved = state.store.account(&account).await?;
    let password = match request.password {
        Some(p) => p,
        None => secrets::load(&account)
            .await?
            .ok_or_else(|| Error::NoSavedPassword(account.clone()))?,
    };
    check_password(&password)?;
    let connect = connect_options(
        &jid,
        request.host,
        request.port,
        request.trust_cert_sha256,
        saved.as_ref(),
        state.sandbox.as_ref(),
    )?;
    let on_sandbox = sandbox_for(&jid, state.sandbox.as_ref()).is_some();
    let resource = saved
        .as_ref()
        .map(|a| a.resource.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(new_resource);

    // One session per account: a second sign-in replaces the first.
    if let Some(old) = state.remove(&account) {
        old.disconnect().await;
    }
    // Announced as the first presence, so contacts never see "online" before a kept "away".
    let presence = OwnPresence::saved(&state.store, &account).await?;
    let config = AccountConfig {
        jid,
        password: password.clone(),
        resource,
        connect,
        presence: presence.clone(),
    };
    let client = state
        .cancellable(&account, async {
            Ok(Client::connect(config, state.store.clone(), state.events.clone()).await?)
        })
        .await?;
    if let Some(raced) = state.insert(client.clone()) {
        raced.disconnect().await;
    }

    // Only a password that just worked is saved; an unchecked box removes a saved one.
    let has_password = if request.remember {
        match secrets::save(&account, &password).await {
            Ok(()) => true,
            Err(e) => {
                warn!(account = %account, error = %e, "signed in, but the password could not be saved");
                false
            }
        }
    } else {
        match secrets::delete(&account).await {
            Ok(()) => false,
            Err(e) => {
                warn!(account = %account, error = %e, "cannot remove the saved password");
                secrets::saved(vec![account.clone()])
                    .await?
                    .first()
                    .copied()
                    .unwrap_or(false)
            }
        }
    };
    let stored = state
        .store
        .account(&account)
        .await?
        .ok_or_else(|| Error::Internal(format!("{account} was not saved after signing in")))?;
    // Signing in is asking to be signed in at the next start too (undone by signing out).
    let mut stored = set_auto_connect(&state, stored, true).await?;
    if on_sandbox && (stored.host.is_some() || stored.port.is_some()) {
        stored.host = None;
        stored.port = None;
        state.store.save_account(&stored).await?;
    }
    Ok(AccountView::new(stored, has_password, client.state(), presence))
}

/// Stops a sign-in or registration under way for `jid`; that call then fails with `cancelled`.
#[tauri::command]
pub fn cancel_login(state: State<'_, AppState>, jid: String) -> Result<()> {
    let account = account_key(&jid)?;
    if !state.cancel(&account) {
        info!(account = %account, "nothing to cancel");
    }
    Ok(())
}

/// Signs out; the account, its history and its saved password stay, but the next start does
/// not sign it in by itself.
#[tauri::command]
pub async fn logout(state: State<'_, AppState>, account: String) -> Result<()> {
    let account = account_key(&account)?;
    if let Some(client) = state.remove(&account) {
        client.disconnect().await;
    }
    if let Some(saved) = state.store.account(&account).await? {
        set_auto_connect(&state, saved, false).await?;
    }
    Ok(())
}

/// Keeps the presence the user chose for `account`, for its next sign-ins.
pub(crate) async fn keep_presence(
    state: &AppState,
    account: &str,
    presence: &OwnPresence,
) -> Result<()> {
    Ok(presence.save(&state.store, account).await?)
}

async fn set_auto_connect(state: &AppState, mut account: Account, on: bool) -> Result<Account> {
    if account.auto_connect != on {
        account.auto_connect = on;
        state.store.save_account(&account).await?;
    }
    Ok(account)
}

/// Signs out and removes what Hongyan keeps about the account on this computer: its saved
/// password, server settings, pinned certificate, cached contacts and chosen presence, and its
/// local messages unless `keep_history` (JavaScript: `keepHistory`). Kept history comes back
/// when the same address is signed in to again.
#[tauri::command]
pub async fn forget_account(
    state: State<'_, AppState>,
    account: String,
    keep_history: bool,
) -> Result<()> {
    let account = account_key(&account)?;
    if let Some(client) = state.remove(&account) {
        client.disconnect().await;
    }
    // The password goes whatever the store says.
    let stored = state.store.forget_account(&account, keep_history).await;
    let keyring = secrets::delete(&account).await;
    stored?;
    keyring?;
    info!(account = %account, keep_history, "account forgotten");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved() -> Account {
        Account {
            jid: "me@example.org".into(),
            host: Some("xmpp.example.org".into()),
            port: Some(5223),
            pinned_cert_sha256: Some("ab".repeat(32)),
            resource: "hongyan.1234abcd".into(),
            auto_connect: true,
            created_at: 1,
            last_login_at: None,
        }
    }

    fn me() -> BareJid {
        parse_bare_jid("me@example.org").unwrap()
    }

    fn sandbox() -> Sandbox {
        Sandbox {
            domain: "localhost".into(),
            host: "127.0.0.1".into(),
            port: 40123,
        }
    }

    #[test]
    fn typed_server_wins_over_the_saved_one() {
        let (me, saved) = (me(), Some(saved()));
        let typed = |host: Option<&str>, port| {
            connect_options(&me, host.map(Into::into), port, None, saved.as_ref(), None).unwrap()
        };
        let o = typed(Some(" 127.0.0.1 "), None);
        assert_eq!((o.host.as_deref(), o.port), (Some("127.0.0.1"), None));
        let o = typed(None, Some(15222));
        assert_eq!((o.host.as_deref(), o.port), (None, Some(15222)));
        let o = typed(Some("  "), None);
        assert_eq!(
            (o.host.as_deref(), o.port),
            (Some("xmpp.example.org"), Some(5223))
        );
        let o = connect_options(&me, None, None, None, None, None).unwrap();
        assert_eq!((o.host, o.port, o.pinned_cert), (None, None, None));
    }

    #[test]
    fn sandbox_addresses_go_to_the_sandbox_of_today() {
        let sandbox = sandbox();
        let alice = parse_bare_jid("alice@LocalHost").unwrap();
        // A saved sandbox account from an earlier run remembers an old port: today's wins.
        let mut old = saved();
        old.jid = "alice@localhost".into();
        old.host = Some("127.0.0.1".into());
        old.port = Some(39999);
        let o = connect_options(&alice, None, None, None, Some(&old), Some(&sandbox)).unwrap();
        assert_eq!((o.host.as_deref(), o.port), (Some("127.0.0.1"), Some(40123)));
        let o = connect_options(&alice, None, None, None, None, Some(&sandbox)).unwrap();
        assert_eq!((o.host.as_deref(), o.port), (Some("127.0.0.1"), Some(40123)));
        // A real address never goes to the sandbox.
        let o = connect_options(&me(), None, None, None, None, Some(&sandbox)).unwrap();
        assert_eq!((o.host, o.port), (None, None));
        let o = connect_options(&me(), None, None, None, Some(&saved()), Some(&sandbox)).unwrap();
        assert_eq!((o.host.as_deref(), o.port), (Some("xmpp.example.org"), Some(5223)));
        // What the user typed in Advanced still wins.
        let o = connect_options(&alice, Some("::1".into()), Some(5222), None, None, Some(&sandbox))
            .unwrap();
        assert_eq!((o.host.as_deref(), o.port), (Some("::1"), Some(5222)));
    }

    #[test]
    fn a_trusted_certificate_replaces_the_saved_pin() {
        let (me, saved) = (me(), Some(saved()));
        let typed = "CD:".repeat(31) + "CD";
        let o = connect_options(&me, None, None, Some(typed), saved.as_ref(), None).unwrap();
        assert_eq!(o.pinned_cert, Some("cd".repeat(32)));
        let o = connect_options(&me, None, None, None, saved.as_ref(), None).unwrap();
        assert_eq!(o.pinned_cert, Some("ab".repeat(32)));
        let err = connect_options(&me, None, None, Some("not-a-fingerprint".into()), None, None)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert_eq!(
            connect_options(&me, None, Some(0), None, None, None)
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[tokio::test]
    async fn a_cancelled_attempt_ends_at_once_with_cancelled() {
        let state = std::sync::Arc::new(test_state().await);
        let waiting = {
            let state = state.clone();
            tokio::spawn(async move {
                state
                    .cancellable("me@example.org", std::future::pending::<Result<()>>())
                    .await
            })
        };
        while !state.cancel("me@example.org") {
            tokio::task::yield_now().await;
        }
        let outcome = waiting.await.unwrap();
        assert_eq!(outcome.unwrap_err().code(), "cancelled");
        // Nothing is left to cancel, and another address was never affected.
        assert!(!state.cancel("me@example.org"));
        let done = state.cancellable("other@example.org", async { Ok(7) }).await;
        assert_eq!(done.unwrap(), 7);
    }

    async fn test_state() -> AppState {
        let store = hongyan_core::store::Store::open_memory().await.unwrap();
        let (events, _) = tokio::sync::broadcast::channel(8);
        AppState::new(
            store,
            events,
            std::env::temp_dir().join("hongyan-unused-settings.json"),
            Default::default(),
            None,
            "en".into(),
        )
    }

    #[test]
    fn resources_are_distinct() {
        let (a, b) = (new_resource(), new_resource());
        assert!(
            a.starts_with("hongyan.") && a.len() == "hongyan.".len() + 8,
            "{a}"
        );
        assert_ne!(a, b);
    }

    #[test]
    fn account_view_is_the_account_plus_connection_and_presence() {
        let presence = OwnPresence {
            show: Show::Dnd,
            status: Some("开会中".into()),
        };
        let v = serde_json::to_value(AccountView::new(saved(), true, ConnState::Online, presence))
            .unwrap();
        assert_eq!(v["jid"], "me@example.org");
        assert_eq!(v["pinnedCertSha256"], "ab".repeat(32));
        assert_eq!(v["hasPassword"], true);
        assert_eq!(v["state"], "online");
        assert_eq!(v["show"], "dnd");
        assert_eq!(v["status"], "开会中");
        let v = serde_json::to_value(AccountView::new(
            saved(),
            false,
            ConnState::Offline,
            OwnPresence::default(),
        ))
        .unwrap();
        assert_eq!((&v["show"], &v["status"]), (&"online".into(), &serde_json::Value::Null));
    }

    /// What `set_presence` keeps is what the next sign-in announces, and forgetting the account
    /// (history kept or not) forgets it.
    #[tokio::test]
    async fn a_chosen_presence_is_kept_for_the_next_sign_in() {
        let state = test_state().await;
        state.store.save_account(&saved()).await.unwrap();
        let away = OwnPresence {
            show: Show::Away,
            status: Some("午饭".into()),
        };
        keep_presence(&state, "me@example.org", &away).await.unwrap();
        assert_eq!(
            OwnPresence::saved(&state.store, "me@example.org").await.unwrap(),
            away
        );
        state.store.forget_account("me@example.org", true).await.unwrap();
        state.store.save_account(&saved()).await.unwrap();
        assert_eq!(
            OwnPresence::saved(&state.store, "me@example.org").await.unwrap(),
            OwnPresence::default()
        );
    }

    #[test]
    fn requests_decode_from_camel_case() {
        let r: LoginRequest = serde_json::from_value(serde_json::json!({
            "jid": "me@example.org", "password": null, "host": null, "port": 5222,
            "remember": true, "trustCertSha256": null
        }))
        .unwrap();
        assert!(r.password.is_none() && r.remember && r.port == Some(5222));
        let r: RegisterRequest = serde_json::from_value(serde_json::json!({
            "jid": "me@example.org", "password": "pw", "host": "127.0.0.1", "port": null,
            "trustCertSha256": "ab"
        }))
        .unwrap();
        assert_eq!(r.trust_cert_sha256.as_deref(), Some("ab"));
    }
}
