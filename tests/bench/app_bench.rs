//! `make bench` part two: the real app under Xvfb, signed in at start to an account with 200
//! contacts, and a minimal Tauri window as the reference. Figures, not pass/fail.
//!
//! The scenario: a local Prosody seeded through ordinary client traffic (tests/bench/crowd.py:
//! XEP-0077 registrations, roster sets and mutual subscriptions) with 200 contacts in 10 groups,
//! named in English and Chinese, all online with their own presence, and a watcher contact. The
//! app's data folder holds the account (auto-connect on) and its password is in the keyring
//! of the bench's D-Bus session, so the app signs in by itself. One unmeasured launch fills the
//! roster cache; its data folder is the starting state every measured launch copies.
//!
//! Per launch: launch → window mapped (X MapNotify), → first paint (the UI's report), → online
//! (the watcher sees our presence), → settled (the process tree quiet for a second), CPU seconds
//! of the tree in the first 60 s, peak RSS per process, and PSS/RSS per process (app, web,
//! network) at settled + 60 s, with a per-mapping breakdown. Each run's figures are printed,
//! then median, min and max.
//!
//! `cargo run -p hongyan-tests --bin app-bench --release`
//! Environment: `HONGYAN_APP` (the release app), `HONGYAN_REFERENCE_APP` (the minimal window),
//! `HONGYAN_BENCH_RUNS` (app launches, default 5), `HONGYAN_BENCH_REFERENCE_RUNS` (default 3),
//! `HONGYAN_BENCH_HOLD` (seconds after settling before memory is read, default 60),
//! `HONGYAN_BENCH_CHURN=<seconds>`: instead of the above, one launch that stays online that
//! long while the contacts change presence and send messages; memory is read every minute.

mod measure;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use hongyan_store::{Account, Store};
use hongyan_tests::{peer_python, repo_root, Prosody, ServerOptions, TestCa, XmppServer};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use measure::ProcessMemory;

const CONTACTS: usize = 200;
const OWNER: &str = "owner";
const OWNER_PASSWORD: &str = "bench-owner-密码";
const CROWD_PASSWORD: &str = "bench-crowd-pw";
/// The keyring entry the app reads (src-tauri/src/secrets.rs).
const KEYRING_SERVICE: &str = "im.hongyan.desktop";
const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// How often the whole tree's PSS is read while starting (for its peak).
const PSS_EVERY: Duration = Duration::from_millis(500);
/// Settled: the tree used at most this much CPU over [`QUIET_WINDOW`].
const QUIET_TICKS: u64 = 3;
const QUIET_WINDOW: Duration = Duration::from_secs(1);
const CPU_SPAN: Duration = Duration::from_secs(60);
const START_TIMEOUT: Duration = Duration::from_secs(60);
const SETTLE_TIMEOUT: Duration = Duration::from_secs(45);

/// A process group that is ended when dropped.
struct Group(Child);

impl Group {
    fn spawn(cmd: &mut Command) -> Result<Group> {
        Ok(Group(
            cmd.process_group(0)
                .spawn()
                .with_context(|| format!("starting {cmd:?}"))?,
        ))
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let pid = Pid::from_raw(self.0.id() as i32);
        let _ = killpg(pid, Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = killpg(pid, Signal::SIGKILL);
        let _ = self.0.wait();
    }
}

/// Reads the first stdout line of `child` (Xvfb's display number, dbus-daemon's address).
fn first_line(child: &mut Child) -> Result<String> {
    let out = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// Lines of `reader`, each with the moment it was read, on a channel.
fn timed_lines(reader: impl std::io::Read + Send + 'static) -> Receiver<(Instant, String)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });
    rx
}

/// Xvfb, a D-Bus session with an unlocked keyring, and an X event listener that reports when a
/// top-level window is mapped.
struct Desktop {
    display: String,
    bus: String,
    maps: Receiver<Instant>,
    _xev: Group,
    _dbus: Group,
    _xvfb: Group,
}

impl Desktop {
    fn start(home: &Path) -> Result<Desktop> {
        let mut xvfb = Group::spawn(
            Command::new("Xvfb")
                .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )?;
        let display = format!(":{}", first_line(&mut xvfb.0)?);
        let mut dbus = Group::spawn(
            Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )?;
        let bus = first_line(&mut dbus.0)?;
        // The keyring daemon leaves with the bus.
        let status = Command::new("sh")
            .args(["-c", "printf bench-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1"])
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("share"))
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("DISPLAY", &display)
            .status()
            .context("starting gnome-keyring-daemon")?;
        if !status.success() {
            bail!("gnome-keyring-daemon failed: {status}");
        }
        // Substructure events of the root window: MapNotify for every top-level window.
        let mut xev = Group::spawn(
            Command::new("stdbuf")
                .args(["-oL", "xev", "-display", &display, "-root", "-event", "substructure"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )?;
        let lines = timed_lines(xev.0.stdout.take().ok_or_else(|| anyhow!("no xev stdout"))?);
        let (tx, maps) = mpsc::channel();
        std::thread::spawn(move || {
            let mut in_map = false;
            for (at, line) in lines {
                if line.starts_with("MapNotify event") {
                    in_map = true;
                } else if in_map && line.contains("override") {
                    in_map = false;
                    // Tooltips and menus are override-redirect; the window itself is not.
                    if line.contains("override NO") && tx.send(at).is_err() {
                        break;
                    }
                }
            }
        });
        std::thread::sleep(Duration::from_millis(300));
        Ok(Desktop { display, bus, maps, _xev: xev, _dbus: dbus, _xvfb: xvfb })
    }
}

/// tests/bench/crowd.py in `run` mode: the contacts, online.
struct Crowd {
    stdin: ChildStdin,
    events: Receiver<(Instant, String)>,
    _group: Group,
}

fn crowd_command(server: &dyn XmppServer, owner: &str, mode: &str) -> Result<Command> {
    let mut cmd = Command::new(peer_python()?);
    cmd.arg(repo_root().join("tests/bench/crowd.py"))
        .args(["--host", server.host(), "--port", &server.c2s_port().to_string()])
        .args(["--domain", server.domain(), "--owner", owner, "--count", &CONTACTS.to_string()])
        .arg(mode)
        .env("HONGYAN_CROWD_PASSWORD", CROWD_PASSWORD)
        .env("HONGYAN_OWNER_PASSWORD", OWNER_PASSWORD)
        .env("SSL_CERT_FILE", TestCa::shared().ca_path())
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    Ok(cmd)
}

fn wait_event(events: &Receiver<(Instant, String)>, name: &str, timeout: Duration) -> Result<(Instant, serde_json::Value)> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (at, line) = events
            .recv_timeout(left)
            .map_err(|_| anyhow!("the crowd did not report {name:?} within {timeout:?}"))?;
        let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        match value["event"].as_str() {
            Some(e) if e == name => return Ok((at, value)),
            Some("error") => bail!("the crowd failed: {}", value["text"]),
            _ => {}
        }
    }
}

impl Crowd {
    fn seed(server: &dyn XmppServer, owner: &str) -> Result<()> {
        let mut group = Group::spawn(&mut crowd_command(server, owner, "seed")?)?;
        let events = timed_lines(group.0.stdout.take().ok_or_else(|| anyhow!("no crowd stdout"))?);
        wait_event(&events, "seeded", Duration::from_secs(600))?;
        let _ = group.0.wait();
        Ok(())
    }

    fn start(server: &dyn XmppServer, owner: &str) -> Result<Crowd> {
        let mut group = Group::spawn(crowd_command(server, owner, "run")?.stdin(Stdio::piped()))?;
        let events = timed_lines(group.0.stdout.take().ok_or_else(|| anyhow!("no crowd stdout"))?);
        let stdin = group.0.stdin.take().ok_or_else(|| anyhow!("no crowd stdin"))?;
        wait_event(&events, "ready", Duration::from_secs(300))?;
        Ok(Crowd { stdin, events, _group: group })
    }

    /// Forgets what the crowd reported so far.
    fn drain(&self) {
        while self.events.try_recv().is_ok() {}
    }

    /// When the watcher saw the owner come online, if it did since the last call.
    fn seen_online(&self) -> Option<Instant> {
        while let Ok((at, line)) = self.events.try_recv() {
            let value: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if value["event"] == "seen" && value["type"] == "available" {
                return Some(at);
            }
        }
        None
    }

    fn send(&mut self, command: serde_json::Value) -> Result<()> {
        writeln!(self.stdin, "{command}")?;
        self.stdin.flush()?;
        Ok(())
    }
}

/// What is launched and how it reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    /// Hongyan, signed in at start: online is when the watcher sees it.
    App,
    /// The minimal window: no sign-in.
    Reference,
}

struct Launch<'a> {
    subject: Subject,
    binary: &'a Path,
    desktop: &'a Desktop,
    crowd: &'a Crowd,
    /// HOME and data folder of this launch.
    home: &'a Path,
    data: &'a Path,
    hold: Duration,
}

#[derive(Clone, Debug, Default)]
struct Run {
    load: String,
    mapped_ms: f64,
    paint_ms: f64,
    online_ms: Option<f64>,
    settled_ms: f64,
    cpu60_s: f64,
    /// Highest PSS of the whole tree seen while sampling, MiB.
    peak_pss_mib: f64,
    processes: Vec<ProcessMemory>,
}

impl Run {
    fn role(&self, role: &str) -> Option<&ProcessMemory> {
        self.processes.iter().find(|p| p.role == role)
    }

    fn total_pss(&self) -> f64 {
        self.processes.iter().map(|p| p.pss_mib).sum()
    }

    fn total_rss(&self) -> f64 {
        self.processes.iter().map(|p| p.rss_mib).sum()
    }

    fn total_peak_rss(&self) -> f64 {
        self.processes.iter().map(|p| p.peak_rss_mib).sum()
    }
}

fn since(start: Instant, at: Instant) -> f64 {
    at.saturating_duration_since(start).as_secs_f64() * 1000.0
}

fn spawn_subject(l: &Launch<'_>) -> Result<(Group, Receiver<(Instant, String)>)> {
    let mut cmd = Command::new(l.binary);
    cmd.env("DISPLAY", &l.desktop.display)
        .env("DBUS_SESSION_BUS_ADDRESS", &l.desktop.bus)
        .env("HOME", l.home)
        .env("XDG_CACHE_HOME", l.home.join("cache"))
        .env("XDG_CONFIG_HOME", l.home.join("config"))
        .env("XDG_DATA_HOME", l.home.join("share"))
        .env("HONGYAN_DATA_DIR", l.data)
        .env("HONGYAN_BENCH", "1")
        .env("SSL_CERT_FILE", TestCa::shared().ca_path())
        .env("LANG", "en_US.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut group = Group::spawn(&mut cmd)?;
    let out = timed_lines(group.0.stdout.take().ok_or_else(|| anyhow!("no stdout"))?);
    Ok((group, out))
}

/// Launches once and measures; the process tree is ended before returning.
fn launch(l: &Launch<'_>) -> Result<Run> {
    while l.desktop.maps.try_recv().is_ok() {}
    l.crowd.drain();
    let mut run = Run { load: measure::load_average(), ..Run::default() };
    let started = Instant::now();
    let (group, out) = spawn_subject(l)?;
    let root = group.pid();
    let (mut mapped, mut painted, mut online, mut settled) = (None, None, None, None);
    let mut history: Vec<(Instant, u64)> = Vec::new();
    let mut last_pss = started - PSS_EVERY;
    let mut cpu60 = None;
    loop {
        let now = Instant::now();
        let pids = measure::tree(root);
        let ticks: u64 = pids.iter().map(|&p| measure::cpu_ticks(p)).sum();
        history.push((now, ticks));
        if now.duration_since(last_pss) >= PSS_EVERY {
            last_pss = now;
            let pss: u64 = pids.iter().map(|&p| measure::pss_rss_kib(p).0).sum();
            run.peak_pss_mib = run.peak_pss_mib.max(pss as f64 / 1024.0);
        }
        if mapped.is_none() {
            mapped = l.desktop.maps.try_recv().ok();
        }
        while let Ok((at, line)) = out.try_recv() {
            if painted.is_none() && line.starts_with("hongyan-bench first-paint-ms=") {
                painted = Some(at);
            }
        }
        if online.is_none() && l.subject == Subject::App {
            online = l.crowd.seen_online();
        }
        let ready = match l.subject {
            Subject::App => online,
            Subject::Reference => painted,
        };
        if cpu60.is_none() && now.duration_since(started) >= CPU_SPAN {
            cpu60 = Some(ticks);
        }
        if settled.is_none() {
            if let Some(ready) = ready {
                // The quiet second must start once the subject is ready (online, or painted).
                if let Some(&(from, t0)) = history
                    .iter()
                    .find(|(at, _)| *at >= ready && now.duration_since(*at) <= QUIET_WINDOW)
                {
                    if now.duration_since(from) + SAMPLE_EVERY >= QUIET_WINDOW && ticks - t0 <= QUIET_TICKS {
                        settled = Some(from);
                    }
                }
                if settled.is_none() && now.duration_since(started) > SETTLE_TIMEOUT {
                    eprintln!("  (not quiet within {SETTLE_TIMEOUT:?}: measuring from then)");
                    settled = Some(now);
                }
            } else if now.duration_since(started) > START_TIMEOUT {
                bail!("no {} within {START_TIMEOUT:?}", if l.subject == Subject::App { "sign-in" } else { "first paint" });
            }
        }
        if let (Some(s), Some(_)) = (settled, cpu60) {
            if now.duration_since(s) >= l.hold {
                run.processes = pids.iter().map(|&p| measure::process_memory(p, root)).collect();
                break;
            }
        }
        // Before the 60 s are up, a short hold (the warm-up) measures at the settle point.
        if let Some(s) = settled {
            if l.hold < CPU_SPAN && now.duration_since(s) >= l.hold {
                cpu60 = Some(ticks);
                run.processes = pids.iter().map(|&p| measure::process_memory(p, root)).collect();
                break;
            }
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
    run.mapped_ms = mapped.map(|m| since(started, m)).unwrap_or(f64::NAN);
    run.paint_ms = painted.map(|p| since(started, p)).unwrap_or(f64::NAN);
    run.online_ms = online.map(|o| since(started, o));
    run.settled_ms = settled.map(|s| since(started, s)).unwrap_or(f64::NAN);
    run.cpu60_s = measure::ticks_to_secs(cpu60.unwrap_or(0) - history.first().map(|h| h.1).unwrap_or(0));
    drop(group);
    // The server notices the closed connection; give the watcher time to see us leave.
    std::thread::sleep(Duration::from_millis(700));
    Ok(run)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Writes the account into a fresh data folder, with `resource`, auto-connect on.
async fn prepare_store(data: &Path, jid: &str, server: &dyn XmppServer, resource: &str) -> Result<()> {
    std::fs::create_dir_all(data)?;
    let store = Store::open(&data.join("hongyan.db")).await?;
    let existing = store.account(jid).await?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64;
    let account = Account {
        jid: jid.to_owned(),
        host: Some(server.host().to_owned()),
        port: Some(server.c2s_port()),
        pinned_cert_sha256: None,
        resource: resource.to_owned(),
        auto_connect: true,
        created_at: existing.as_ref().map(|a| a.created_at).unwrap_or(now),
        last_login_at: existing.and_then(|a| a.last_login_at).or(Some(now)),
    };
    store.save_account(&account).await?;
    store.close().await;
    Ok(())
}

fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn spread(label: &str, unit: &str, digits: usize, values: &[f64]) {
    let clean: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if clean.is_empty() {
        println!("  {label:<34} –");
        return;
    }
    let min = clean.iter().copied().fold(f64::MAX, f64::min);
    let max = clean.iter().copied().fold(f64::MIN, f64::max);
    let med = median(&clean);
    let pct = if med > 0.0 { (max - min) / med * 100.0 } else { 0.0 };
    println!(
        "  {label:<34} median {med:>8.digits$} {unit:<4} min {min:>8.digits$}  max {max:>8.digits$}  (spread {pct:.0} %)"
    );
}

fn print_run(i: usize, r: &Run) {
    let part = |role: &str| r.role(role).map(|p| format!("{:.1}/{:.1}", p.pss_mib, p.rss_mib)).unwrap_or_else(|| "–".into());
    let peak = |role: &str| r.role(role).map(|p| format!("{:.0}", p.peak_rss_mib)).unwrap_or_else(|| "–".into());
    println!(
        "  run {i}: load {}  mapped {:.0} ms  paint {:.0} ms  online {}  settled {:.0} ms  cpu60 {:.2} s  \
         PSS/RSS MiB app {} web {} net {} tree {:.1}/{:.1}  peak RSS app {} web {} net {}  peak tree PSS {:.0}",
        r.load,
        r.mapped_ms,
        r.paint_ms,
        r.online_ms.map(|o| format!("{o:.0} ms")).unwrap_or_else(|| "–".into()),
        r.settled_ms,
        r.cpu60_s,
        part("app"),
        part("web"),
        part("network"),
        r.total_pss(),
        r.total_rss(),
        peak("app"),
        peak("web"),
        peak("network"),
        r.peak_pss_mib,
    );
}

fn summary(name: &str, runs: &[Run]) {
    println!("{name}: {} runs, median / min / max", runs.len());
    let col = |f: &dyn Fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    spread("launch → window mapped", "ms", 0, &col(&|r| r.mapped_ms));
    spread("launch → first paint", "ms", 0, &col(&|r| r.paint_ms));
    if runs.iter().any(|r| r.online_ms.is_some()) {
        spread("launch → online (watcher sees us)", "ms", 0, &col(&|r| r.online_ms.unwrap_or(f64::NAN)));
    }
    spread("launch → settled (CPU quiet)", "ms", 0, &col(&|r| r.settled_ms));
    spread("CPU of the tree, first 60 s", "s", 2, &col(&|r| r.cpu60_s));
    for role in ["app", "web", "network"] {
        spread(&format!("PSS {role} at settled + hold"), "MiB", 1, &col(&|r| r.role(role).map(|p| p.pss_mib).unwrap_or(f64::NAN)));
    }
    spread("PSS tree at settled + hold", "MiB", 1, &col(&|r| r.total_pss()));
    for role in ["app", "web", "network"] {
        spread(&format!("RSS {role} at settled + hold"), "MiB", 1, &col(&|r| r.role(role).map(|p| p.rss_mib).unwrap_or(f64::NAN)));
    }
    spread("RSS tree at settled + hold", "MiB", 1, &col(&|r| r.total_rss()));
    spread("peak RSS web (VmHWM)", "MiB", 0, &col(&|r| r.role("web").map(|p| p.peak_rss_mib).unwrap_or(f64::NAN)));
    spread("peak RSS tree (sum of VmHWM)", "MiB", 0, &col(&|r| r.total_peak_rss()));
    spread("peak PSS tree (sampled)", "MiB", 0, &col(&|r| r.peak_pss_mib));
    spread("peak PSS tree / settled PSS", "×", 2, &col(&|r| r.peak_pss_mib / r.total_pss()));
}

/// PSS by mapping kind for each process of the run with the median tree PSS.
fn breakdown(name: &str, runs: &[Run]) {
    let target = median(&runs.iter().map(Run::total_pss).collect::<Vec<_>>());
    let Some(run) = runs.iter().min_by(|a, b| (a.total_pss() - target).abs().total_cmp(&(b.total_pss() - target).abs())) else {
        return;
    };
    println!("{name}: PSS by mapping (MiB), run nearest the median ({:.1} MiB)", run.total_pss());
    let mut kinds: BTreeMap<&str, ()> = BTreeMap::new();
    for p in &run.processes {
        for k in p.kinds.keys() {
            kinds.insert(k, ());
        }
    }
    let roles: Vec<&ProcessMemory> = run.processes.iter().filter(|p| p.pss_mib >= 0.05).collect();
    print!("  {:<24}", "");
    for p in &roles {
        print!("{:>10}", p.role.chars().take(10).collect::<String>());
    }
    println!();
    for k in kinds.keys() {
        print!("  {k:<24}");
        for p in &roles {
            print!("{:>10.1}", p.kinds.get(k).copied().unwrap_or(0.0));
        }
        println!();
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn binary(env: &str, default: &str, build: &str) -> Result<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(default));
    if !path.exists() {
        bail!("{} is missing: {build}", path.display());
    }
    Ok(path)
}

fn main() -> Result<()> {
    let app = binary("HONGYAN_APP", "target/release/hongyan", "run `make bench` (it builds it)")?;
    let reference = binary(
        "HONGYAN_REFERENCE_APP",
        "target/release/hongyan-minimal-window",
        "cargo build --release -p hongyan-minimal-window",
    )?;
    let runs = env_number("HONGYAN_BENCH_RUNS", 5) as usize;
    let reference_runs = env_number("HONGYAN_BENCH_REFERENCE_RUNS", 3) as usize;
    let hold = Duration::from_secs(env_number("HONGYAN_BENCH_HOLD", 60));
    let churn = std::env::var("HONGYAN_BENCH_CHURN").ok().and_then(|v| v.parse::<u64>().ok());

    let work = tempfile::tempdir()?;
    let keyring_home = work.path().join("keyring-home");
    std::fs::create_dir_all(&keyring_home)?;
    let desktop = Desktop::start(&keyring_home)?;
    // The keyring client below reads the session bus from the environment.
    // SAFETY: no other thread reads the environment yet (the desktop's threads only read pipes).
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &desktop.bus) };
    let ca = TestCa::shared();
    let _ = ca;

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let server = rt.block_on(Prosody::start(ServerOptions::default()))?;
    let owner = server.jid(OWNER);
    let seeding = Instant::now();
    Crowd::seed(&server, &owner)?;
    let seeded_in = seeding.elapsed();
    let mut crowd = Crowd::start(&server, &owner)?;
    println!(
        "app.bench  {} under Xvfb {}; Prosody 127.0.0.1:{}; {CONTACTS} contacts in 10 groups + a watcher, \
         all online (seeded in {:.0} s, signed in in {:.0} s)",
        app.display(),
        desktop.display,
        server.c2s_port(),
        seeded_in.as_secs_f64(),
        seeding.elapsed().as_secs_f64() - seeded_in.as_secs_f64(),
    );
    keyring::Entry::new(KEYRING_SERVICE, &owner)?
        .set_password(OWNER_PASSWORD)
        .context("saving the password in the bench keyring")?;

    // The starting state: the account, then one launch that signs in and caches the roster.
    let pristine = work.path().join("pristine");
    rt.block_on(prepare_store(&pristine, &owner, &server, "hongyan.bench0"))?;
    let warm_home = work.path().join("warm-home");
    let warm = Launch {
        subject: Subject::App,
        binary: &app,
        desktop: &desktop,
        crowd: &crowd,
        home: &warm_home,
        data: &pristine,
        hold: Duration::ZERO,
    };
    let first = launch(&warm).context("the first launch (fills the roster cache)")?;
    println!(
        "  first launch (empty roster cache, not counted): online {} ms, settled {:.0} ms",
        first.online_ms.map(|o| format!("{o:.0}")).unwrap_or_else(|| "–".into()),
        first.settled_ms
    );

    let fresh = |i: usize| -> Result<(PathBuf, PathBuf)> {
        let home = work.path().join(format!("home-{i}"));
        let data = home.join("data");
        copy_dir(&pristine, &data)?;
        // A resource of its own per launch: the server may still hold the previous session
        // for resumption (XEP-0198), and the new one must not replace it or wait for it.
        rt.block_on(prepare_store(&data, &owner, &server, &format!("hongyan.bench{i}")))?;
        Ok((home, data))
    };

    if let Some(seconds) = churn {
        let (home, data) = fresh(1)?;
        return churn_run(&app, &desktop, &mut crowd, &home, &data, Duration::from_secs(seconds));
    }

    let mut app_runs = Vec::new();
    println!("Hongyan, signed in at start ({runs} runs, memory at settled + {} s):", hold.as_secs());
    for i in 1..=runs {
        let (home, data) = fresh(i)?;
        let l = Launch { subject: Subject::App, binary: &app, desktop: &desktop, crowd: &crowd, home: &home, data: &data, hold };
        let run = launch(&l)?;
        print_run(i, &run);
        app_runs.push(run);
    }
    let mut ref_runs = Vec::new();
    println!("Reference: minimal Tauri window with a static page ({reference_runs} runs):");
    for i in 1..=reference_runs {
        let (home, data) = fresh(100 + i)?;
        let l = Launch {
            subject: Subject::Reference,
            binary: &reference,
            desktop: &desktop,
            crowd: &crowd,
            home: &home,
            data: &data,
            hold,
        };
        let run = launch(&l)?;
        print_run(i, &run);
        ref_runs.push(run);
    }
    summary("app.scenario (200 contacts, signed in at start)", &app_runs);
    breakdown("app.scenario", &app_runs);
    if !ref_runs.is_empty() {
        summary("app.reference (minimal Tauri window)", &ref_runs);
        breakdown("app.reference", &ref_runs);
        let a = median(&app_runs.iter().map(Run::total_pss).collect::<Vec<_>>());
        let r = median(&ref_runs.iter().map(Run::total_pss).collect::<Vec<_>>());
        println!("app.own_pss  Hongyan {a:.1} MiB − reference {r:.1} MiB = {:.1} MiB of the tree is Hongyan's own", a - r);
    }
    println!("targets: tree PSS ≤ 158 MiB with spread < 10 %, peak ≤ 2 × settled, online ≤ 400 ms, CPU 60 s ≤ 2 s");
    let _ = crowd.send(serde_json::json!({"cmd": "quit"}));
    drop(crowd);
    drop(server);
    Ok(())
}

/// One launch that stays online for `length` while the contacts churn; memory every minute.
fn churn_run(app: &Path, desktop: &Desktop, crowd: &mut Crowd, home: &Path, data: &Path, length: Duration) -> Result<()> {
    println!("Churn: one launch, then {} s of presence changes and messages", length.as_secs());
    crowd.drain();
    let started = Instant::now();
    let l = Launch { subject: Subject::App, binary: app, desktop, crowd, home, data, hold: Duration::ZERO };
    let (group, _out) = spawn_subject(&l)?;
    let root = group.pid();
    let deadline = started + START_TIMEOUT;
    while crowd.seen_online().is_none() {
        if Instant::now() > deadline {
            bail!("no sign-in within {START_TIMEOUT:?}");
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
    // Settle as the normal runs do (one quiet second), then the same 60 s.
    let mut last = (Instant::now(), tree_ticks(root));
    loop {
        std::thread::sleep(QUIET_WINDOW);
        let now = (Instant::now(), tree_ticks(root));
        if now.1 - last.1 <= QUIET_TICKS || now.0.duration_since(started) > SETTLE_TIMEOUT {
            break;
        }
        last = now;
    }
    std::thread::sleep(CPU_SPAN);
    let tree_pss = |root: u32| -> (f64, String) {
        let parts: Vec<ProcessMemory> = measure::tree(root).iter().map(|&p| measure::process_memory(p, root)).collect();
        let total = parts.iter().map(|p| p.pss_mib).sum();
        let text = parts.iter().map(|p| format!("{} {:.1}", p.role, p.pss_mib)).collect::<Vec<_>>().join(", ");
        (total, text)
    };
    let (base, parts) = tree_pss(root);
    println!("  settled + 60 s: tree PSS {base:.1} MiB ({parts}), load {}", measure::load_average());
    crowd.send(serde_json::json!({"cmd": "churn", "seconds": length.as_secs()}))?;
    let churn_start = Instant::now();
    let mut samples = Vec::new();
    while churn_start.elapsed() < length {
        std::thread::sleep(Duration::from_secs(60).min(length.saturating_sub(churn_start.elapsed())).max(Duration::from_secs(1)));
        let (total, parts) = tree_pss(root);
        println!("  +{:>5.0} s: tree PSS {total:.1} MiB ({parts}), load {}", churn_start.elapsed().as_secs_f64(), measure::load_average());
        samples.push(total);
    }
    let (_, done) = wait_event(&crowd.events, "churned", Duration::from_secs(30))?;
    let last = samples.last().copied().unwrap_or(base);
    let max = samples.iter().copied().fold(base, f64::max);
    println!(
        "app.churn  {} s, {} presence changes, {} messages: tree PSS settled {base:.1} → end {last:.1} MiB ({:+.1} %), highest {max:.1} MiB",
        length.as_secs(),
        done["presences"],
        done["messages"],
        (last - base) / base * 100.0
    );
    drop(group);
    Ok(())
}

fn tree_ticks(root: u32) -> u64 {
    measure::tree(root).iter().map(|&p| measure::cpu_ticks(p)).sum()
}
