//! End to end: the real Hongyan window under Xvfb + D-Bus, driven over WebDriver (tauri-driver +
//! WebKitWebDriver), against a real Prosody and a slixmpp peer. Screenshots are kept in
//! tests/artifacts/.
//!
//! Needs `target/debug/hongyan` built with the UI embedded (`make app`) and tauri-driver
//! (`make tools`). `cargo test -p hongyan-tests --test e2e`

mod desktop;
mod sandbox;
mod switcher;
mod webdriver;

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use hongyan_tests::{
    artifacts_dir, unique_user, Peer, ServerKind, ServerOptions, TestCa, XmppServer,
};

use desktop::Desktop;
use webdriver::Session;

const UI_WAIT: Duration = Duration::from_secs(30);
// Typed through WebDriver, which cannot type characters outside the BMP (emoji arrive from the
// peer instead, and the engine tests send them).
const TO_PEER: &str = "你好！Hello from the Hongyan window ✉";
const FROM_PEER: &str = "收到，来自 slixmpp 的问候 👋";
const IN_BACKGROUND: &str = "窗口在后台时的消息 🔔";

fn tid(id: &str) -> String {
    format!("[data-testid='{id}']")
}

/// Starts the app through tauri-driver: a new WebDriver session is a new app process.
async fn launch(desktop: &Desktop) -> Result<Session> {
    Session::start(
        desktop.port,
        serde_json::json!({ "tauri:options": { "application": desktop.app.to_string_lossy() } }),
    )
    .await
}

/// Waits until the desktop's notification daemon (dunst) shows a notification.
async fn wait_displayed(desktop: &Desktop) -> Result<()> {
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        let count = desktop.run("dunstctl", &["count", "displayed"]).await?;
        if count.trim().parse::<u32>().unwrap_or(0) > 0 {
            return Ok(());
        }
        ensure!(tokio::time::Instant::now() < deadline, "no notification shown");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Waits until the desktop's notification daemon (dunst) shows a notification titled `summary`;
/// returns it as dunst reports it (`{"body": {"data": …}, …}`), after closing it.
async fn wait_notification(desktop: &Desktop, summary: &str) -> Result<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        // dunst lists a notification in its history once it is closed.
        desktop.run("dunstctl", &["close-all"]).await?;
        let history: serde_json::Value =
            serde_json::from_str(&desktop.run("dunstctl", &["history"]).await?)?;
        let found = history["data"][0]
            .as_array()
            .and_then(|all| all.iter().find(|n| n["summary"]["data"] == summary).cloned());
        if let Some(note) = found {
            return Ok(note);
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "no notification from {summary}; dunst history: {history}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until a received message with `text` shows in the open chat.
async fn wait_body(wd: &Session, text: &str) -> Result<()> {
    wd.wait_text(
        "[data-testid='message'][data-direction='in'] [data-testid='message-body']",
        UI_WAIT,
        |t| t.contains(text),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_account_see_contact_and_chat_both_ways() -> Result<()> {
    let ca = TestCa::shared();
    let server = ServerKind::Prosody.start(ServerOptions::default()).await?;
    let them = unique_user("e2epeer");
    server.register(&them, "peer-pw").await?;
    let mut peer = Peer::start(&*server, &them, "peer-pw", false).await?;
    let sandbox = format!(
        "{},{},{}",
        server.domain(),
        server.host(),
        server.c2s_port()
    );
    let desktop = Desktop::start(&sandbox, ca.ca_path()).await?;
    let result = scenario(&desktop, &*server, &mut peer).await;
    if result.is_err() {
        eprintln!("app log:\n{}", desktop.log_tail(60));
        eprintln!("peer log:\n{}", peer.log_tail(30));
    }
    desktop.stop().await;
    peer.stop().await?;
    result
}

async fn scenario(desktop: &Desktop, server: &dyn XmppServer, peer: &mut Peer) -> Result<()> {
    let shots = artifacts_dir();
    let wd = launch(desktop).await?;
    let me = unique_user("e2e");
    let my_jid = server.jid(&me);
    let peer_jid = peer.bare_jid().to_owned();

    // Create an account through the login screen, on the sandbox server it offers.
    let jid_field = wd
        .wait(&tid("login-jid"), UI_WAIT)
        .await
        .context("login screen")?;
    desktop.screenshot(&shots.join("e2e-login-en-light.png")).await?;
    wd.click(&wd.wait(&tid("sandbox-use"), UI_WAIT).await?)
        .await?;
    wd.clear(&jid_field).await?;
    wd.type_text(&jid_field, &my_jid).await?;
    wd.type_text(
        &wd.wait(&tid("login-password"), UI_WAIT).await?,
        "e2e-密码-1",
    )
    .await?;
    wd.type_text(
        &wd.wait(&tid("login-password2"), UI_WAIT).await?,
        "e2e-密码-1",
    )
    .await?;
    desktop.screenshot(&shots.join("e2e-register-en.png")).await?;
    wd.click(&wd.wait(&tid("login-submit"), UI_WAIT).await?)
        .await?;
    wd.wait(&tid("main-view"), UI_WAIT)
        .await
        .context("main view after creating the account")?;
    desktop.screenshot(&shots.join("e2e-main-en.png")).await?;
    wd.wait_text(&tid("account-jid"), UI_WAIT, |t| t.contains(&my_jid))
        .await
        .context("own address in the account header")?;

    // Add the peer; it accepts, and its presence shows in the buddy list.
    wd.click(&wd.wait(&tid("add-contact-open"), UI_WAIT).await?)
        .await?;
    wd.type_text(&wd.wait(&tid("add-contact-jid"), UI_WAIT).await?, &peer_jid)
        .await?;
    wd.click(&wd.wait(&tid("add-contact-submit"), UI_WAIT).await?)
        .await?;
    let buddy = format!("[data-testid='buddy-item'][data-jid='{peer_jid}']");
    wd.wait(&format!("{buddy}:not([data-show='offline'])"), UI_WAIT)
        .await
        .context("peer online in the buddy list")?;
    peer.set_presence(Some("away"), Some("开会中 📅")).await?;
    let away = wd
        .wait(&format!("{buddy}[data-show='away']"), UI_WAIT)
        .await
        .context("away presence")?;
    wd.wait_text(&buddy, UI_WAIT, |t| t.contains("开会中"))
        .await
        .context("status text in the list")?;
    desktop.screenshot(&shots.join("e2e-roster-en.png")).await?;

    // A message while the window is in the background: a desktop notification names the
    // sender, and clicking it opens that conversation.
    desktop.focus_elsewhere().await?;
    let focused = wd.execute("return document.hasFocus()", vec![]).await?;
    ensure!(focused == serde_json::json!(false), "the window still has the focus");
    ensure!(wd.find_all(&tid("chat-pane")).await?.is_empty(), "a chat is open already");
    peer.send(&my_jid, IN_BACKGROUND).await?;
    wait_displayed(desktop).await?;
    desktop.run("dunstctl", &["action", "0"]).await?;
    wd.wait(&format!("[data-testid='chat-pane'][data-peer='{peer_jid}']"), UI_WAIT)
        .await
        .context("the clicked notification opens its conversation")?;
    wait_body(&wd, IN_BACKGROUND).await.context("the message in the opened chat")?;
    let note = wait_notification(desktop, &peer_jid).await?;
    ensure!(
        note["body"]["data"] == IN_BACKGROUND
            && note["appname"]["data"] == "Hongyan"
            && note["category"]["data"] == "im.received",
        "unexpected notification {note}"
    );

    // Chat both ways.
    wd.click(&away).await?;
    let composer = wd.wait(&tid("composer"), UI_WAIT).await?;
    wd.type_text(&composer, TO_PEER).await?;
    wd.type_text(&composer, "\u{E007}").await?; // Enter
    let got = peer.wait_message_from(&my_jid, UI_WAIT).await?;
    ensure!(got.body.as_deref() == Some(TO_PEER), "peer got {got:?}");
    wd.wait(
        "[data-testid='message'][data-direction='out'][data-state='sent']",
        UI_WAIT,
    )
    .await
    .context("own message marked sent")?;
    peer.send(&my_jid, FROM_PEER).await?;
    wait_body(&wd, FROM_PEER)
        .await
        .context("incoming message shown")?;
    desktop.screenshot(&shots.join("e2e-chat-en.png")).await?;

    // Switch to Chinese in settings; the window follows at once.
    wd.click(&wd.wait(&tid("settings-open"), UI_WAIT).await?)
        .await?;
    wd.pick("settings-language", "zh-CN", UI_WAIT).await?;
    desktop.screenshot(&shots.join("e2e-settings-zh.png")).await?;
    wd.click(&wd.wait(&tid("settings-close"), UI_WAIT).await?)
        .await?;
    let lang = wd
        .execute("return document.documentElement.lang", vec![])
        .await?;
    ensure!(lang == "zh-CN", "html lang is {lang}");
    desktop.screenshot(&shots.join("e2e-chat-zh.png")).await?;

    // Dark theme from settings: the page takes it at once.
    wd.click(&wd.wait(&tid("settings-open"), UI_WAIT).await?)
        .await?;
    wd.click(&wd.wait(&tid("settings-theme-dark"), UI_WAIT).await?)
        .await?;
    wd.click(&wd.wait(&tid("settings-close"), UI_WAIT).await?)
        .await?;
    let theme = wd
        .execute("return document.documentElement.dataset.theme || ''", vec![])
        .await?;
    ensure!(theme == "dark", "theme attribute is {theme}");
    desktop.screenshot(&shots.join("e2e-chat-zh-dark.png")).await?;
    wd.click(&wd.wait(&tid("settings-open"), UI_WAIT).await?).await?;
    wd.pick("settings-language", "en", UI_WAIT).await?;
    wd.click(&wd.wait(&tid("settings-close"), UI_WAIT).await?).await?;
    desktop.screenshot(&shots.join("e2e-chat-en-dark.png")).await?;
    wd.click(&wd.wait(&tid("settings-open"), UI_WAIT).await?).await?;
    wd.pick("settings-language", "zh-CN", UI_WAIT).await?;
    wd.click(&wd.wait(&tid("settings-close"), UI_WAIT).await?).await?;

    // Log out: back to the login screen, in Chinese.
    wd.click(&wd.wait(&tid("settings-open"), UI_WAIT).await?)
        .await?;
    wd.click(&wd.wait(&tid("logout"), UI_WAIT).await?).await?;
    wd.wait(&tid("login-jid"), UI_WAIT).await?;
    desktop.screenshot(&shots.join("e2e-login-zh-dark.png")).await?;
    wd.pick("login-language", "en", UI_WAIT).await?;
    let lang = wd.execute("return document.documentElement.lang", vec![]).await?;
    ensure!(lang == "en", "the login screen's language picker left html lang at {lang}");
    desktop.screenshot(&shots.join("e2e-login-en-dark.png")).await?;

    // Signed out: one click signs in again with the password from the keyring.
    let saved = format!("[data-testid='saved-account'][data-jid='{my_jid}']");
    wd.click(&wd.wait(&saved, UI_WAIT).await?).await?;
    wd.wait(&tid("main-view"), UI_WAIT)
        .await
        .context("main view after a one-click sign-in")?;
    wd.end().await?;

    // Closed while signed in: the next start signs in by itself, history intact.
    let wd = launch(desktop).await?;
    wd.wait(&tid("main-view"), UI_WAIT)
        .await
        .context("signed in by itself at the next start")?;
    wd.wait(&format!("{buddy}:not([data-show='offline'])"), UI_WAIT)
        .await
        .context("peer online after the restart")?;
    wd.click(&wd.wait(&buddy, UI_WAIT).await?).await?;
    wait_body(&wd, FROM_PEER)
        .await
        .context("history after the restart")?;
    desktop.screenshot(&shots.join("e2e-restart-dark.png")).await?;
    wd.end().await?;
    Ok(())
}
