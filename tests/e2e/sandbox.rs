//! The sandbox as `make run` starts it: `src-tauri/sandbox/run.sh` around the real app, with
//! its own data folder. Two windows share one server; accounts keep working after every window
//! has closed and the server has started again.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use hongyan_tests::{artifacts_dir, pid_alive, port_accepts, repo_root, unique_user, TestCa};

use crate::desktop::Desktop;
use crate::webdriver::Session;
use crate::{tid, wait_body, UI_WAIT};

const PASSWORD: &str = "沙盒-密码-7";
const HELLO: &str = "沙盒里的第一条消息 ✉";
const STILL_HERE: &str = "The other window closed, this one still talks";

/// What run.sh left in `<dev>/sandbox`.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn port(&self) -> Result<u16> {
        let text = std::fs::read_to_string(self.dir.join("server.port")).context("server.port")?;
        text.trim().parse().context("server.port holds a port")
    }

    /// The server's pid while run.sh considers it running.
    fn server_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("server.pid")).ok()?;
        let pid = text.trim().parse().ok()?;
        pid_alive(pid).then_some(pid)
    }

    /// Waits until the server is gone (no process, port closed).
    async fn wait_stopped(&self, port: u16) -> Result<()> {
        let deadline = tokio::time::Instant::now() + UI_WAIT;
        while self.server_pid().is_some() || port_accepts(port) {
            ensure!(
                tokio::time::Instant::now() < deadline,
                "the sandbox server still runs after its last window closed"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(())
    }

    /// Stops a server a failed run left behind (it runs in its own session, out of the
    /// desktop's process group).
    fn cleanup(&self) {
        if let Some(pid) = self.server_pid() {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&*self.dir.to_string_lossy()) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

/// A script that starts the app the way `make run` does, with `dev` as its .dev folder.
fn wrapper(dir: &Path, dev: &Path, app: &Path) -> Result<PathBuf> {
    let path = dir.join("hongyan-sandbox");
    let run = repo_root().join("src-tauri/sandbox/run.sh");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nexport HONGYAN_DEV_DIR='{}'\nexec '{}' '{}' \"$@\"\n",
            dev.display(),
            run.display(),
            app.display()
        ),
    )?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
    Ok(path)
}

/// A window through the first driver, or with `second` through the other one.
async fn open(desktop: &Desktop, app: &Path, second: bool) -> Result<Session> {
    Session::start(
        if second { desktop.second_port } else { desktop.port },
        serde_json::json!({ "tauri:options": { "application": app.to_string_lossy() } }),
    )
    .await
}

/// Fills the form for `jid` and submits it; waits for the main view showing that account.
async fn submit_form(wd: &Session, jid: &str, register: bool) -> Result<()> {
    let field = wd.wait(&tid("login-jid"), UI_WAIT).await?;
    wd.clear(&field).await?;
    wd.type_text(&field, jid).await?;
    wd.type_text(&wd.wait(&tid("login-password"), UI_WAIT).await?, PASSWORD).await?;
    if register {
        wd.type_text(&wd.wait(&tid("login-password2"), UI_WAIT).await?, PASSWORD).await?;
    }
    wd.click(&wd.wait(&tid("login-submit"), UI_WAIT).await?).await?;
    wd.wait(&tid("main-view"), UI_WAIT)
        .await
        .with_context(|| format!("main view for {jid}"))?;
    wd.wait_text(&tid("account-jid"), UI_WAIT, |t| t.contains(jid)).await?;
    Ok(())
}

async fn send(wd: &Session, text: &str) -> Result<()> {
    let composer = wd.wait(&tid("composer"), UI_WAIT).await?;
    wd.type_text(&composer, text).await?;
    wd.type_text(&composer, "\u{E007}").await?; // Enter
    Ok(())
}

async fn wait_sent(wd: &Session, text: &str) -> Result<()> {
    wd.wait_text(
        "[data-testid='message'][data-direction='out'][data-state='sent'] [data-testid='message-body']",
        UI_WAIT,
        |t| t == text,
    )
    .await
    .with_context(|| format!("{text:?} marked sent"))
}

/// Whether the newest message is wholly inside the message list's visible area.
async fn newest_visible(wd: &Session) -> Result<bool> {
    let v = wd
        .execute(
            "const list = document.querySelector(\"[data-testid='message-list']\");
             const all = list.querySelectorAll(\"[data-testid='message']\");
             const last = all[all.length - 1].getBoundingClientRect();
             const view = list.getBoundingClientRect();
             return last.top >= view.top - 1 && last.bottom <= view.bottom + 1;",
            vec![],
        )
        .await?;
    Ok(v == serde_json::json!(true))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_serves_every_window_and_keeps_accounts_across_restarts() -> Result<()> {
    let work = tempfile::tempdir()?;
    let dev = work.path().join("dev");
    let sandbox = Sandbox { dir: dev.join("sandbox") };
    // The sandbox's own variables come from run.sh; these are not used by the app here.
    let desktop = Desktop::start("", TestCa::shared().ca_path()).await?;
    let app = wrapper(work.path(), &dev, &desktop.app)?;
    let result = scenario(&desktop, &app, &sandbox).await;
    if result.is_err() {
        eprintln!("app log:\n{}", desktop.log_tail(80));
        let console = std::fs::read_to_string(sandbox.dir.join("prosody.log")).unwrap_or_default();
        let lines: Vec<_> = console.lines().collect();
        eprintln!("sandbox server log:\n{}", lines[lines.len().saturating_sub(30)..].join("\n"));
    }
    desktop.stop().await;
    sandbox.cleanup();
    result
}

async fn scenario(desktop: &Desktop, app: &Path, sandbox: &Sandbox) -> Result<()> {
    let shots = artifacts_dir();
    let alice = format!("{}@localhost", unique_user("alice"));
    let bob = format!("{}@localhost", unique_user("bob"));

    // First window: the sandbox button, then a new account on it.
    let a = open(desktop, app, false).await?;
    wd_use_sandbox(&a).await?;
    desktop.screenshot(&shots.join("e2e-sandbox-login-en.png")).await?;
    a.pick("login-language", "zh-CN", UI_WAIT).await?;
    desktop.screenshot(&shots.join("e2e-sandbox-login-zh-light.png")).await?;
    submit_form(&a, &alice, true).await?;
    let port = sandbox.port()?;
    let server = sandbox.server_pid().context("server.pid names a running server")?;

    // Second window, same server: a `localhost` address works without the sandbox button.
    let b = open(desktop, app, true).await?;
    b.click(&b.wait(&tid("login-mode-register"), UI_WAIT).await?).await?;
    submit_form(&b, &bob, true).await?;
    ensure!(sandbox.port()? == port, "the second window started another server");
    ensure!(sandbox.server_pid() == Some(server), "the second window replaced the server");

    // Bob asks Alice; she accepts; they chat.
    b.click(&b.wait(&tid("add-contact-open"), UI_WAIT).await?).await?;
    b.type_text(&b.wait(&tid("add-contact-jid"), UI_WAIT).await?, &alice).await?;
    b.click(&b.wait(&tid("add-contact-submit"), UI_WAIT).await?).await?;
    a.click(&a.wait(&tid("subscription-accept"), UI_WAIT).await.context("Bob's request")?)
        .await?;
    let alice_item = format!("[data-testid='buddy-item'][data-jid='{alice}']");
    let bob_item = format!("[data-testid='buddy-item'][data-jid='{bob}']");
    b.click(&b.wait(&format!("{alice_item}:not([data-show='offline'])"), UI_WAIT).await?)
        .await?;
    send(&b, HELLO).await?;
    wait_sent(&b, HELLO).await?;
    a.click(&a.wait(&bob_item, UI_WAIT).await?).await?;
    wait_body(&a, HELLO).await.context("Alice reads Bob's message")?;

    // Enough lines to scroll; at the bottom, a shorter window keeps the newest in view.
    for n in 1..=18 {
        send(&b, &format!("line {n}")).await?;
    }
    wait_sent(&b, "line 18").await?;
    ensure!(newest_visible(&b).await?, "the newest message is not in view before resizing");
    b.set_window_size(900, 420).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ensure!(newest_visible(&b).await?, "a shorter window hid the newest message");
    ensure!(
        b.find_all(&tid("jump-to-newest")).await?.is_empty(),
        "at the bottom, no jump-to-newest button is needed"
    );
    desktop.screenshot(&shots.join("e2e-sandbox-short-en.png")).await?;
    b.set_window_size(1100, 720).await?;

    // Alice's window closes; the server stays for Bob's.
    a.end().await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    ensure!(sandbox.server_pid() == Some(server), "closing one window stopped the server");
    send(&b, STILL_HERE).await?;
    wait_sent(&b, STILL_HERE).await?;
    ensure!(b.find_all(&tid("conn-banner")).await?.is_empty(), "Bob's window lost its connection");

    // Signed out, Bob's window signs in as Alice by typing her address (no sandbox button).
    b.click(&b.wait(&tid("settings-open"), UI_WAIT).await?).await?;
    b.click(&b.wait(&tid("logout"), UI_WAIT).await?).await?;
    b.click(&b.wait(&tid("login-mode-signin"), UI_WAIT).await?).await?;
    submit_form(&b, &alice, false).await?;
    b.end().await?;

    // The last window closed: the server goes, its data stays.
    sandbox.wait_stopped(port).await?;

    // Next start: Alice's window signs in by itself on the same port, history intact.
    let c = open(desktop, app, false).await?;
    c.wait(&tid("main-view"), UI_WAIT)
        .await
        .context("the saved sandbox account signs in after a restart")?;
    ensure!(sandbox.port()? == port, "the sandbox moved to another port");
    c.click(&c.wait(&bob_item, UI_WAIT).await?).await?;
    wait_body(&c, HELLO).await.context("history after the restart")?;
    desktop.screenshot(&shots.join("e2e-sandbox-restart-en.png")).await?;
    c.end().await?;
    sandbox.wait_stopped(port).await?;
    Ok(())
}

async fn wd_use_sandbox(wd: &Session) -> Result<()> {
    wd.wait(&tid("login-jid"), UI_WAIT).await.context("login screen")?;
    wd.click(&wd.wait(&tid("sandbox-use"), UI_WAIT).await?).await?;
    wd.wait(&tid("sandbox-chip"), UI_WAIT).await.context("the sandbox chip")?;
    Ok(())
}
