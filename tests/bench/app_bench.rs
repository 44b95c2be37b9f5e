//! `make bench` part two: the real app under Xvfb. Prints start-to-first-paint (spawn of the
//! process until the UI reports its first frame) and idle memory as PSS summed over the app's
//! process tree (the app plus its WebKit web and network processes). Figures, not pass/fail.
//!
//! `cargo run -p hongyan-tests --bin app-bench --release [-- runs]`

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use hongyan_tests::repo_root;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

const IDLE_BEFORE_MEMORY: Duration = Duration::from_secs(5);

struct Group(Child);

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

fn spawn_group(cmd: &mut Command) -> Result<Group> {
    Ok(Group(
        cmd.process_group(0)
            .spawn()
            .with_context(|| format!("starting {cmd:?}"))?,
    ))
}

/// Reads the first stdout line of `child` (Xvfb's display number, dbus-daemon's address).
fn first_line(child: &mut Child) -> Result<String> {
    let out = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

fn children_map() -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may contain spaces; fields after the closing parenthesis are fixed.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let Some(ppid) = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        map.entry(ppid).or_default().push(pid);
    }
    map
}

fn tree(root: u32) -> Vec<u32> {
    let map = children_map();
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(kids) = map.get(&out[i]) {
            out.extend(kids);
        }
        i += 1;
    }
    out
}

fn pss_kib(pid: u32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
        return 0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

struct Run {
    first_paint_ms: f64,
    reported_ms: f64,
    pss_mib: f64,
    parts: Vec<(String, f64)>,
}

fn one_run(app: &Path, display: &str, bus: &str) -> Result<Run> {
    let home = tempfile::tempdir()?;
    let started = Instant::now();
    let mut child = Command::new(app)
        .env("DISPLAY", display)
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("HOME", home.path())
        .env("HONGYAN_DATA_DIR", home.path().join("data"))
        .env("HONGYAN_BENCH", "1")
        .env("LANG", "en_US.UTF-8")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("starting the app")?;
    let out = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let app_pid = child.id();
    let group = Group(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(ms) = line.strip_prefix("hongyan-bench first-paint-ms=") {
                let _ = tx.send((Instant::now(), ms.trim().parse::<f64>().unwrap_or(f64::NAN)));
            }
        }
    });
    let (painted, reported_ms) = rx
        .recv_timeout(Duration::from_secs(60))
        .context("no first paint within 60 s")?;
    let first_paint_ms = painted.duration_since(started).as_secs_f64() * 1000.0;
    std::thread::sleep(IDLE_BEFORE_MEMORY);
    let mut parts = Vec::new();
    let mut total = 0u64;
    for pid in tree(app_pid) {
        let kib = pss_kib(pid);
        total += kib;
        parts.push((comm(pid), kib as f64 / 1024.0));
    }
    drop(group);
    Ok(Run {
        first_paint_ms,
        reported_ms,
        pss_mib: total as f64 / 1024.0,
        parts,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() -> Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let app: PathBuf = std::env::var_os("HONGYAN_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/hongyan"));
    if !app.exists() {
        bail!("{} is missing: run `make app` first", app.display());
    }
    let mut xvfb = Command::new("Xvfb");
    xvfb.args([
        "-displayfd",
        "1",
        "-screen",
        "0",
        "1280x800x24",
        "-nolisten",
        "tcp",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut xvfb = spawn_group(&mut xvfb)?;
    let display = format!(":{}", first_line(&mut xvfb.0)?);
    let mut dbus = Command::new("dbus-daemon");
    dbus.args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut dbus = spawn_group(&mut dbus)?;
    let bus = first_line(&mut dbus.0)?;

    println!(
        "app.bench  {} under Xvfb {display}, {runs} runs",
        app.display()
    );
    let mut results = Vec::new();
    for i in 0..runs {
        let run = one_run(&app, &display, &bus)?;
        println!(
            "  run {}: first paint {:.0} ms (in-app {:.0} ms), idle PSS {:.1} MiB",
            i + 1,
            run.first_paint_ms,
            run.reported_ms,
            run.pss_mib
        );
        results.push(run);
    }
    if let Some(last) = results.last() {
        let parts: Vec<_> = last
            .parts
            .iter()
            .map(|(n, m)| format!("{n} {m:.1}"))
            .collect();
        println!("  process tree of the last run (MiB): {}", parts.join(", "));
    }
    let paint: Vec<f64> = results.iter().map(|r| r.first_paint_ms).collect();
    let pss: Vec<f64> = results.iter().map(|r| r.pss_mib).collect();
    let (pmin, pmax) = (
        paint.iter().cloned().fold(f64::MAX, f64::min),
        paint.iter().cloned().fold(0.0, f64::max),
    );
    println!(
        "app.first_paint   median {:.0} ms  (min {:.0}, max {:.0})  target < 1000 ms",
        median(paint),
        pmin,
        pmax
    );
    println!("app.idle_pss      median {:.1} MiB  (tree: app + WebKit processes, after {} s idle)  target < 150 MiB",
        median(pss), IDLE_BEFORE_MEMORY.as_secs());
    drop(dbus);
    drop(xvfb);
    Ok(())
}
