//! Saved passwords, in the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows): service `im.hongyan.desktop`, user = the account's bare JID.
//! Passwords never touch the database, the settings file or the log.

use keyring::Entry;

use crate::error::{blocking, Error, Result};

pub const SERVICE: &str = "im.hongyan.desktop";

fn entry(jid: &str) -> Result<Entry> {
    Ok(Entry::new(SERVICE, jid)?)
}

pub async fn save(jid: &str, password: &str) -> Result<()> {
    let (jid, password) = (jid.to_owned(), password.to_owned());
    blocking(move || Ok(entry(&jid)?.set_password(&password)?)).await?
}

/// The saved password, or None when there is none.
pub async fn load(jid: &str) -> Result<Option<String>> {
    let jid = jid.to_owned();
    blocking(move || match entry(&jid)?.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(Error::from(e)),
    })
    .await?
}

/// Removes the saved password; having none is not an error.
pub async fn delete(jid: &str) -> Result<()> {
    let jid = jid.to_owned();
    blocking(move || match entry(&jid)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(Error::from(e)),
    })
    .await?
}

/// Which of `jids` have a saved password. A keyring that cannot be reached has none.
pub async fn saved(jids: Vec<String>) -> Result<Vec<bool>> {
    blocking(move || {
        jids.iter()
            .map(|jid| match entry(jid).and_then(|e| Ok(e.get_password()?)) {
                Ok(_) => true,
                Err(Error::Keyring(why)) => {
                    tracing::debug!(account = %jid, error = %why, "no saved password");
                    false
                }
                Err(_) => false,
            })
            .collect()
    })
    .await
}
