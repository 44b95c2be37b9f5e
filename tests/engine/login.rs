//! Logging in: success, a wrong password, and the SASL mechanism actually used.

use std::time::Duration;

use anyhow::{ensure, Result};
use hongyan_core::session::sasl as auth;
use hongyan_core::{register, transport, Client, ConnState, Error, Event, Mechanism};
use hongyan_tests::{unique_user, ServerKind};

use crate::both_servers;
use crate::support::{config, events, options, start, store, wait_event};

both_servers!(logs_in_and_goes_online);
async fn logs_in_and_goes_online(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let user = unique_user("login");
    server.register(&user, "pass-登录-1").await?;
    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let client = Client::connect(config(&*server, &user, "pass-登录-1"), store.clone(), tx).await?;
    wait_event(&mut rx, "online", |e| {
        matches!(
            e,
            Event::Connection {
                state: ConnState::Online,
                ..
            }
        )
    })
    .await?;
    ensure!(client.state() == ConnState::Online);
    let bound = client.bound_jid().ok_or_else(|| anyhow::anyhow!("online without a bound JID"))?;
    ensure!(bound.resource().as_str() == "hongyan-test", "bound {bound}");
    // The account row is saved, without any password column to put one in.
    let saved = store
        .account(client.jid().as_str())
        .await?
        .expect("account saved on login");
    ensure!(saved.last_login_at.is_some());
    // The (empty) roster arrives as a full replacement.
    wait_event(&mut rx, "roster", |e| {
        matches!(e, Event::Roster { replace: true, .. })
    })
    .await?;
    client.disconnect().await;
    ensure!(client.state() == ConnState::Offline);
    Ok(())
}

both_servers!(wrong_password_is_its_own_error);
async fn wrong_password_is_its_own_error(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let user = unique_user("wrongpw");
    server.register(&user, "right-password").await?;
    let (store, _, _dir) = store().await?;
    let (tx, mut rx) = events();
    let result = Client::connect(config(&*server, &user, "wrong-password"), store, tx).await;
    let Err(err) = result else {
        anyhow::bail!("{kind}: logged in with a wrong password")
    };
    ensure!(
        matches!(err, Error::AuthFailed),
        "{kind}: expected AuthFailed, got {err:?}"
    );
    ensure!(err.code() == "auth_failed");
    // The answer comes from this one attempt, and nothing retries afterwards.
    let offline = wait_event(&mut rx, "offline", |e| {
        matches!(
            e,
            Event::Connection {
                state: ConnState::Offline,
                ..
            }
        )
    })
    .await?;
    let Event::Connection {
        error: Some(info), ..
    } = offline
    else {
        anyhow::bail!("no error in {offline:?}")
    };
    ensure!(info.code == "auth_failed");
    // No retry loop: no further connection events arrive.
    let more = tokio::time::timeout(Duration::from_secs(3), rx.recv()).await;
    ensure!(
        !matches!(more, Ok(Ok(_))),
        "{kind}: unexpected event after an auth failure: {more:?}"
    );
    Ok(())
}

both_servers!(scram_is_used_and_plain_never_answered);
async fn scram_is_used_and_plain_never_answered(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let user = unique_user("scram");
    server.register(&user, "scram-pw").await?;
    let jid = hongyan_core::parse_bare_jid(&server.jid(&user))?;
    let transport::Connected {
        mut stream,
        features,
        channel_binding,
        ..
    } = transport::connect(&jid, &options(&*server)).await?;
    let offered: Vec<_> = features.sasl_mechanisms.iter().cloned().collect();
    println!("{kind} offers {offered:?}");
    ensure!(
        offered.iter().any(|m| m.starts_with("SCRAM-")),
        "{kind} offers no SCRAM: {offered:?}"
    );
    let used =
        auth::authenticate(&mut stream, &features, &channel_binding, &user, "scram-pw").await?;
    println!("{kind}: Hongyan authenticated with {}", used.name());
    ensure!(
        used != Mechanism::Plain,
        "{kind}: answered with PLAIN although it offers {offered:?}"
    );
    ensure!(used.name().starts_with("SCRAM-"));
    // The same holds for a full login through the client.
    let (store, _, _dir) = store().await?;
    let (tx, _rx) = events();
    let client = Client::connect(config(&*server, &user, "scram-pw"), store, tx).await?;
    ensure!(client.mechanism().is_some_and(|m| m != Mechanism::Plain), "{:?}", client.mechanism());
    client.disconnect().await;
    Ok(())
}

both_servers!(full_width_password_from_a_chinese_input_method_signs_in);
/// A Chinese input method in full-width mode types letters and spaces as U+FF41… and U+3000.
/// Registered that way, typed the same way later, and typed in plain ASCII: all sign in,
/// because both sides SASLprepare the password.
async fn full_width_password_from_a_chinese_input_method_signs_in(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let user = unique_user("fullwidth");
    let jid = hongyan_core::parse_bare_jid(&server.jid(&user))?;
    let typed = "ｍｙ\u{3000}ｐａｓｓ-鸿雁";
    register(&jid, typed, &options(&*server)).await?;
    for password in [typed, "my pass-鸿雁"] {
        let (store, _, _dir) = store().await?;
        let (tx, _rx) = events();
        let client = Client::connect(config(&*server, &user, password), store, tx)
            .await
            .map_err(|e| anyhow::anyhow!("{kind}: {password:?} did not sign in: {e}"))?;
        let mechanism = client.mechanism().map(|m| m.name());
        ensure!(mechanism.is_some_and(|m| m.starts_with("SCRAM-")), "{kind}: {mechanism:?}");
        client.disconnect().await;
    }
    // A different password is still wrong.
    let (store, _, _dir) = store().await?;
    let (tx, _rx) = events();
    let wrong = Client::connect(config(&*server, &user, "my pass-鸿"), store, tx).await;
    ensure!(matches!(wrong, Err(Error::AuthFailed)), "{kind}: {:?}", wrong.err());
    Ok(())
}

both_servers!(direct_tls_port_works);
async fn direct_tls_port_works(kind: ServerKind) -> Result<()> {
    let server = start(kind).await?;
    let user = unique_user("direct");
    server.register(&user, "direct-pw").await?;
    let (store, _, _dir) = store().await?;
    let (tx, _rx) = events();
    let mut cfg = config(&*server, &user, "direct-pw");
    // A user-given port: Hongyan tries STARTTLS first and then TLS from the first byte.
    cfg.connect.port = Some(server.direct_tls_port());
    let client = Client::connect(cfg, store, tx).await?;
    ensure!(client.state() != ConnState::Offline);
    client.disconnect().await;
    Ok(())
}
