//! The keyboard in the real window, in Simplified Chinese and the dark theme: Ctrl+K finds a
//! Chinese contact by the initials of its pinyin and opens the chat, Ctrl+/ shows the shortcuts
//! sheet, Alt+↓ goes to the next chat. Screenshots of the switcher and the sheet are kept.

use anyhow::{ensure, Context, Result};
use hongyan_tests::{
    artifacts_dir, unique_user, Peer, ServerKind, ServerOptions, TestCa, XmppServer,
};

use crate::desktop::Desktop;
use crate::webdriver::Session;
use crate::{launch, tid, UI_WAIT};

// WebDriver key codes (typed as characters; a modifier stays down until the call ends).
const CONTROL: char = '\u{E009}';
const ALT: char = '\u{E00A}';
const ENTER: char = '\u{E007}';
const ESCAPE: char = '\u{E00C}';
const ARROW_DOWN: char = '\u{E015}';

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_switcher_finds_a_chinese_contact_by_pinyin() -> Result<()> {
    let ca = TestCa::shared();
    let server = ServerKind::Prosody.start(ServerOptions::default()).await?;
    let zhang = unique_user("zhangsan");
    server.register(&zhang, "peer-pw").await?;
    let mut peer = Peer::start(&*server, &zhang, "peer-pw", false).await?;
    // A second contact who stays offline.
    let li = unique_user("libai");
    server.register(&li, "peer-pw").await?;
    let sandbox = format!(
        "{},{},{}",
        server.domain(),
        server.host(),
        server.c2s_port()
    );
    let desktop = Desktop::start(&sandbox, ca.ca_path()).await?;
    let result = scenario(&desktop, &*server, &mut peer, &server.jid(&li)).await;
    if result.is_err() {
        eprintln!("app log:\n{}", desktop.log_tail(60));
        eprintln!("peer log:\n{}", peer.log_tail(30));
    }
    desktop.stop().await;
    peer.stop().await?;
    result
}

/// Adds `jid` under `name` through the add-contact dialog.
async fn add_contact(wd: &Session, jid: &str, name: &str) -> Result<()> {
    wd.click(&wd.wait(&tid("add-contact-open"), UI_WAIT).await?)
        .await?;
    wd.type_text(&wd.wait(&tid("add-contact-jid"), UI_WAIT).await?, jid)
        .await?;
    wd.type_text(&wd.wait(&tid("add-contact-name"), UI_WAIT).await?, name)
        .await?;
    wd.click(&wd.wait(&tid("add-contact-submit"), UI_WAIT).await?)
        .await?;
    wd.wait(
        &format!("[data-testid='buddy-item'][data-jid='{jid}']"),
        UI_WAIT,
    )
    .await
    .with_context(|| format!("{name} in the buddy list"))?;
    Ok(())
}

/// The address of the first row the switcher lists, once it is `jid`.
async fn wait_first_result(wd: &Session, jid: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    loop {
        let first = wd
            .execute(
                "return document.querySelector(\"[data-testid='switcher-item']\")?.dataset.jid ?? null",
                vec![],
            )
            .await?;
        if first == serde_json::json!(jid) {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "the switcher lists {first} first, not {jid}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    }
}

async fn scenario(
    desktop: &Desktop,
    server: &dyn XmppServer,
    peer: &mut Peer,
    li_jid: &str,
) -> Result<()> {
    let shots = artifacts_dir();
    let wd = launch(desktop).await?;
    let my_jid = server.jid(&unique_user("e2ekeys"));
    let zhang_jid = peer.bare_jid().to_owned();

    let jid_field = wd.wait(&tid("login-jid"), UI_WAIT).await?;
    wd.click(&wd.wait(&tid("sandbox-use"), UI_WAIT).await?)
        .await?;
    wd.clear(&jid_field).await?;
    wd.type_text(&jid_field, &my_jid).await?;
    for field in ["login-password", "login-password2"] {
        wd.type_text(&wd.wait(&tid(field), UI_WAIT).await?, "e2e-键盘-1")
            .await?;
    }
    wd.click(&wd.wait(&tid("login-submit"), UI_WAIT).await?)
        .await?;
    wd.wait(&tid("main-view"), UI_WAIT)
        .await
        .context("main view after creating the account")?;

    // Simplified Chinese, dark.
    wd.click(&wd.wait(&tid("settings-open"), UI_WAIT).await?)
        .await?;
    wd.pick("settings-language", "zh-CN", UI_WAIT).await?;
    wd.click(&wd.wait(&tid("settings-theme-dark"), UI_WAIT).await?)
        .await?;
    wd.click(&wd.wait(&tid("settings-close"), UI_WAIT).await?)
        .await?;

    add_contact(&wd, &zhang_jid, "张三").await?;
    add_contact(&wd, li_jid, "李白").await?;
    let zhang = format!("[data-testid='buddy-item'][data-jid='{zhang_jid}']");
    wd.wait(&format!("{zhang}:not([data-show='offline'])"), UI_WAIT)
        .await
        .context("张三 online")?;
    peer.send(&my_jid, "在吗？").await?;
    wd.wait(&format!("{zhang} .unread"), UI_WAIT)
        .await
        .context("张三's message counted unread")?;

    // Ctrl+K, then the initials of zhang san.
    let filter = wd.wait(&tid("roster-filter"), UI_WAIT).await?;
    wd.type_text(&filter, &format!("{CONTROL}k")).await?;
    let input = wd
        .wait(&tid("switcher-input"), UI_WAIT)
        .await
        .context("Ctrl+K opens the quick switcher")?;
    desktop
        .screenshot(&shots.join("e2e-switcher-recent-zh-dark.png"))
        .await?;
    wd.type_text(&input, "zs").await?;
    wait_first_result(&wd, &zhang_jid).await?;
    desktop
        .screenshot(&shots.join("e2e-switcher-zh-dark.png"))
        .await?;
    wd.type_text(&input, &ENTER.to_string()).await?;
    wd.wait(
        &format!("[data-testid='chat-pane'][data-peer='{zhang_jid}']"),
        UI_WAIT,
    )
    .await
    .context("Enter opens 张三's chat")?;
    ensure!(
        wd.find_all(&tid("quick-switcher")).await?.is_empty(),
        "the switcher stays open"
    );

    // Ctrl+/ lists the shortcuts; Escape closes the sheet.
    let composer = wd.wait(&tid("composer"), UI_WAIT).await?;
    wd.type_text(&composer, &format!("{CONTROL}/")).await?;
    let sheet = wd
        .wait(&tid("shortcuts-sheet"), UI_WAIT)
        .await
        .context("Ctrl+/ opens the shortcuts sheet")?;
    wd.wait_text(&tid("shortcuts-sheet"), UI_WAIT, |t| {
        t.contains("键盘快捷键") && t.contains("前往聊天")
    })
    .await?;
    desktop
        .screenshot(&shots.join("e2e-shortcuts-zh-dark.png"))
        .await?;
    wd.type_text(&sheet, &ESCAPE.to_string()).await?;
    let deadline = tokio::time::Instant::now() + UI_WAIT;
    while !wd.find_all(&tid("shortcuts-sheet")).await?.is_empty() {
        ensure!(
            tokio::time::Instant::now() < deadline,
            "Escape leaves the sheet open"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Alt+↓: the next chat in the buddy list (李白, offline, below 张三).
    let composer = wd.wait(&tid("composer"), UI_WAIT).await?;
    wd.type_text(&composer, &format!("{ALT}{ARROW_DOWN}"))
        .await?;
    wd.wait(
        &format!("[data-testid='chat-pane'][data-peer='{li_jid}']"),
        UI_WAIT,
    )
    .await
    .context("Alt+↓ opens the next chat")?;
    wd.end().await?;
    Ok(())
}
