//! A throwaway desktop for the app: Xvfb, a D-Bus session with an unlocked keyring, and
//! tauri-driver, all in one process group that is ended when the test is done.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use hongyan_tests::{free_port, port_accepts, repo_root};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tempfile::TempDir;

/// Time for WebKit to paint what the page already shows before the screen is captured.
const PAINT_SETTLE: Duration = Duration::from_millis(700);

pub struct Desktop {
    pub port: u16,
    /// A second tauri-driver: WebKitWebDriver drives one window per driver.
    pub second_port: u16,
    pub app: PathBuf,
    child: std::sync::Mutex<Option<Child>>,
    log: PathBuf,
    /// Written by the desktop's shell: the X display, its authority file and the D-Bus address.
    display_file: PathBuf,
    _home: TempDir,
}

impl Desktop {
    pub async fn start(sandbox: &str, ca_file: &Path) -> Result<Desktop> {
        let root = repo_root();
        let app = std::env::var_os("HONGYAN_APP")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/debug/hongyan"));
        if !app.exists() {
            bail!("{} is missing: run `make app` first", app.display());
        }
        let driver = std::env::var_os("TAURI_DRIVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join(".tools/bin/tauri-driver"));
        if !driver.exists() {
            bail!("{} is missing: run `make tools` first", driver.display());
        }
        let home = tempfile::tempdir()?;
        let data = home.path().join("data");
        let port = free_port();
        let native = free_port();
        let second_port = free_port();
        let second_native = free_port();
        let log = hongyan_tests::artifacts_dir().join("e2e-desktop.log");
        let display_file = home.path().join("display");
        let out = std::fs::File::create(&log)?;
        let script = format!(
            "printf '%s\\n%s\\n%s\\n' \"$DISPLAY\" \"$XAUTHORITY\" \"$DBUS_SESSION_BUS_ADDRESS\" > '{}'; \
             printf e2e-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; \
             '{driver}' --port {second_port} --native-port {second_native} --native-driver /usr/bin/WebKitWebDriver & \
             exec '{driver}' --port {port} --native-port {native} --native-driver /usr/bin/WebKitWebDriver",
            display_file.display(),
            driver = driver.display()
        );
        let mut cmd = Command::new("xvfb-run");
        cmd.args([
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            "dbus-run-session",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("share"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HONGYAN_DATA_DIR", &data)
        .env("HONGYAN_SANDBOX", sandbox)
        .env("SSL_CERT_FILE", ca_file)
        .env("LANG", "en_US.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        .env("RUST_LOG", "info,hongyan=debug,hongyan_core=debug")
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .process_group(0);
        let child = cmd.spawn().context("starting xvfb-run")?;
        let desktop = Desktop {
            port,
            second_port,
            app,
            child: std::sync::Mutex::new(Some(child)),
            log,
            display_file,
            _home: home,
        };
        for _ in 0..200 {
            if port_accepts(port) && port_accepts(second_port) {
                return Ok(desktop);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let tail = desktop.log_tail(30);
        desktop.stop().await;
        bail!("tauri-driver did not listen on {port}:\n{tail}")
    }

    /// Saves what the X screen shows, as a user would see it. Taken from the X server rather
    /// than through WebDriver, whose WebKit snapshot waits for a compositing frame that a
    /// window painting without GPU compositing does not produce.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        // The DOM a test just checked reaches the screen with the next paints.
        tokio::time::sleep(PAINT_SETTLE).await;
        self.run("import", &["-window", "root", &path.to_string_lossy()]).await?;
        Ok(())
    }

    /// Runs `program args` inside the desktop (its X display and D-Bus session); its stdout.
    pub async fn run(&self, program: &str, args: &[&str]) -> Result<String> {
        let info = std::fs::read_to_string(&self.display_file).context("the desktop's display")?;
        let mut lines = info.lines();
        let display = lines.next().unwrap_or_default();
        let xauthority = lines.next().unwrap_or_default();
        let bus = lines.next().unwrap_or_default();
        let out = tokio::process::Command::new(program)
            .args(args)
            .env("DISPLAY", display)
            .env("XAUTHORITY", xauthority)
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("running {program}"))?;
        if !out.status.success() {
            bail!("{program} {args:?}: {}: {}", out.status, String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Gives the X input focus to the root window, as when the user switches to another app.
    pub async fn focus_elsewhere(&self) -> Result<()> {
        let root = self.run("xdotool", &["search", "--maxdepth", "0", "--name", ""]).await?;
        let root = root.lines().next().unwrap_or_default().trim().to_owned();
        self.run("xdotool", &["windowfocus", "--sync", &root]).await?;
        Ok(())
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<_> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Ends the whole process group: Xvfb, D-Bus, keyring, tauri-driver and the app.
    pub async fn stop(&self) {
        let taken = match self.child.lock() {
            Ok(mut c) => c.take(),
            Err(p) => p.into_inner().take(),
        };
        let Some(mut child) = taken else { return };
        let group = Pid::from_raw(child.id() as i32);
        let _ = killpg(group, Signal::SIGTERM);
        for _ in 0..50 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = killpg(group, Signal::SIGKILL);
        let _ = child.wait();
    }
}
