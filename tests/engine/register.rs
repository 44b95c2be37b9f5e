//! XEP-0077 in-band registration against real servers (Prosody answers with a data form,
//! ejabberd with plain fields).

use anyhow::{ensure, Result};
use hongyan_core::{register, Client, Error};
use hongyan_tests::{unique_user, ServerKind};

use crate::both_servers;
use crate::support::{config, events, options, start, store};

both_servers!(register_then_taken_then_login);
async fn register_then_taken_then_login(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let user = unique_user("reg");
    let jid = hongyan_core::parse_bare_jid(&server.jid(&user))?;
    register(&jid, "注册-pw-1", &options(&*server)).await?;
    let again = register(&jid, "other-pw", &options(&*server)).await;
    ensure!(
        matches!(again, Err(Error::UsernameTaken)),
        "{kind}: second registration gave {again:?}"
    );
    // The account works with the first password.
    let (store, _, _dir) = store().await?;
    let (tx, _rx) = events();
    let client = Client::connect(config(&*server, &user, "注册-pw-1"), store, tx).await?;
    client.disconnect().await;
    Ok(())
}

both_servers!(register_rejects_bad_input_before_the_network);
async fn register_rejects_bad_input_before_the_network(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let no_user = hongyan_core::parse_bare_jid("localhost");
    ensure!(matches!(no_user, Err(Error::InvalidJid(_))));
    let jid = hongyan_core::parse_bare_jid(&server.jid(&unique_user("empty")))?;
    let empty = register(&jid, "", &options(&*server)).await;
    ensure!(matches!(empty, Err(Error::InvalidInput(_))), "{empty:?}");
    Ok(())
}
