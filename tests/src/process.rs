//! Running a server process in its own process group, and ending exactly that group.
//!
//! A server may leave helpers outside its group (the Erlang VM's `erl_child_setup` calls
//! `setsid`), so the tree below the leader is recorded before every signal and whatever
//! of it outlives the leader is killed by PID, after checking the PID was not reused.

use std::fs::{self, File};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;

/// How long a server gets to exit after SIGTERM before it is killed.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// A process identity that survives PID reuse: the PID plus its start time in clock ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ProcessId {
    pid: u32,
    start_time: u64,
}

impl ProcessId {
    fn read(pid: u32) -> Option<ProcessId> {
        let stat = read_stat(pid)?;
        Some(ProcessId {
            pid,
            start_time: stat.start_time,
        })
    }

    /// Still running (not a zombie) and still the same process.
    fn alive(self) -> bool {
        read_stat(self.pid)
            .map(|stat| stat.start_time == self.start_time && !stat.dead)
            .unwrap_or(false)
    }
}

struct Stat {
    ppid: u32,
    start_time: u64,
    dead: bool,
}

fn read_stat(pid: u32) -> Option<Stat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: parse after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 of proc(5) (state), so field N is fields[N - 3].
    let state = *fields.first()?;
    let dead = is_dead_state(state) && !any_live_thread(pid);
    Some(Stat {
        ppid: fields.get(1)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
        dead,
    })
}

fn is_dead_state(state: &str) -> bool {
    state == "Z" || state == "X"
}

/// A multi-threaded process whose main thread is already a zombie keeps its files (and
/// listening sockets) open until its last thread has exited.
fn any_live_thread(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        let stat = fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        let state = stat
            .rfind(')')
            .and_then(|end| stat[end + 1..].split_whitespace().next());
        matches!(state, Some(state) if !is_dead_state(state))
    })
}

/// True while a process with this PID exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    read_stat(pid).map(|stat| !stat.dead).unwrap_or(false)
}

/// Every live descendant of `root`, found by walking /proc.
fn descendants(root: u32) -> Vec<ProcessId> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(stat) = read_stat(pid) {
                parents.push((pid, stat.ppid));
            }
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == parent {
                if let Some(id) = ProcessId::read(pid) {
                    found.push(id);
                }
                frontier.push(pid);
            }
        }
    }
    found
}

/// A server process started as the leader of a new process group.
pub(crate) struct ServerProcess {
    child: Child,
    leader: ProcessId,
    /// The tree below the leader as last seen; refreshed before every signal.
    tree: Vec<ProcessId>,
}

impl ServerProcess {
    /// Starts `command` in a new process group with stdin closed and stdout/stderr
    /// appended to `console`.
    pub fn spawn(mut command: Command, console: &Path) -> Result<ServerProcess> {
        use std::os::unix::process::CommandExt;
        let out = File::options()
            .create(true)
            .append(true)
            .open(console)
            .with_context(|| format!("opening {}", console.display()))?;
        let err = out.try_clone()?;
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = command
            .spawn()
            .with_context(|| format!("starting {:?}", command.get_program()))?;
        let pid = child.id();
        let leader = ProcessId::read(pid).unwrap_or(ProcessId { pid, start_time: 0 });
        Ok(ServerProcess {
            child,
            leader,
            tree: Vec::new(),
        })
    }

    /// The leader and every descendant still running.
    pub fn process_ids(&mut self) -> Vec<u32> {
        self.refresh_tree();
        let mut pids = vec![self.leader.pid];
        pids.extend(self.tree.iter().filter(|p| p.alive()).map(|p| p.pid));
        pids
    }

    /// `Some(description)` once the leader has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("cannot query its status: {e}")),
        }
    }

    fn refresh_tree(&mut self) {
        if self.leader_running() {
            let now = descendants(self.leader.pid);
            for id in now {
                if !self.tree.contains(&id) {
                    self.tree.push(id);
                }
            }
        }
        self.tree.retain(|p| p.alive());
    }

    fn leader_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn signal_group(&self, signal: Signal) {
        // The group may already be empty; ESRCH is fine.
        let _ = killpg(Pid::from_raw(self.leader.pid as i32), signal);
    }

    /// SIGKILL to the group and to every recorded descendant, then reap the leader.
    pub fn kill_now(&mut self) {
        self.refresh_tree();
        self.signal_group(Signal::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.kill_leftovers();
    }

    /// The leader or any recorded descendant still runs.
    fn any_running(&mut self) -> bool {
        self.leader_running() || self.tree.iter().any(|p| p.alive())
    }

    /// SIGTERM to the group; SIGKILL after `grace`. Blocking: for `Drop`.
    pub fn terminate_blocking(&mut self, grace: Duration) {
        self.refresh_tree();
        self.signal_group(Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while self.any_running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.finish_stop();
    }

    /// SIGTERM to the group; SIGKILL after `grace`; waits without blocking the runtime.
    /// A shell leader dies at once, so this waits for the whole tree, not just the leader.
    pub async fn terminate(&mut self, grace: Duration) {
        self.refresh_tree();
        self.signal_group(Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while self.any_running() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.finish_stop();
    }

    /// SIGKILL whatever is left of the group and the tree, and reap the leader.
    fn finish_stop(&mut self) {
        // Only while a member is left: an empty group's id may belong to someone else later.
        if self.any_running() {
            self.signal_group(Signal::SIGKILL);
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        self.kill_leftovers();
    }

    /// Kill recorded descendants that are still the same processes, and wait for them.
    fn kill_leftovers(&mut self) {
        for id in &self.tree {
            if id.alive() {
                let _ = kill(Pid::from_raw(id.pid as i32), Signal::SIGKILL);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.tree.iter().any(|p| p.alive()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.tree.clear();
    }
}

/// A temporary directory `<tmp>/<prefix><our pid>-<random>`, so that a later process can
/// tell whose it was (see [`sweep_stale_runs`]).
pub(crate) fn owned_temp_dir(prefix: &str) -> io::Result<tempfile::TempDir> {
    sweep_stale_runs(prefix);
    tempfile::Builder::new()
        .prefix(&format!("{prefix}{}-", std::process::id()))
        .tempdir()
}

/// Cleans up after test processes that died before their `Drop`s ran (killed, or
/// interrupted with Ctrl-C, which does not reach servers in their own process groups):
/// for each `<tmp>/<prefix><pid>-*` whose process is gone, kills every process whose
/// command line names that directory, then removes it.
pub(crate) fn sweep_stale_runs(prefix: &str) {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let owner = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let Some(owner) = owner else { continue };
        if pid_alive(owner) {
            continue;
        }
        let dir = entry.path();
        let needle = dir.to_string_lossy().into_owned();
        for pid in processes_mentioning(&needle) {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
        }
        // Another process may be sweeping the same directory; failures are harmless.
        let _ = fs::remove_dir_all(&dir);
    }
}

fn processes_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmdline| String::from_utf8_lossy(&cmdline).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// True if something accepts TCP connections on 127.0.0.1:`port` right now.
pub fn port_accepts(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(250)).is_ok()
}

/// The last `lines` lines of a text file (lossy UTF-8), or a note why there are none.
pub fn file_tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("({}: {e})", path.display()),
    }
}

/// Wait until `port` accepts, the process exits, or `timeout` passes.
pub(crate) async fn wait_until_accepting(
    process: &mut ServerProcess,
    port: u16,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = process.exited() {
            bail!("the server exited during start-up ({status})");
        }
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let attempt = tokio::time::timeout(
            Duration::from_millis(250),
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        if let Ok(Ok(_stream)) = attempt {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("port {port} did not accept connections within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Copies `files` into `<run artifacts>/<prefix>-<file name>`, where they outlive the
/// server's temporary directory.
pub(crate) fn save_artifacts(prefix: &str, files: &[PathBuf]) -> io::Result<()> {
    let dir = crate::run_artifacts_dir();
    for file in files {
        if let Some(name) = file.file_name() {
            let target = dir.join(format!("{prefix}-{}", name.to_string_lossy()));
            if file.exists() {
                fs::copy(file, target)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminate_ends_the_whole_group_including_grandchildren() {
        let dir = tempfile::tempdir().unwrap();
        let console = dir.path().join("console.log");
        // A shell that starts a grandchild and ignores SIGTERM itself: only SIGKILL ends it.
        let mut command = Command::new("sh");
        command.args(["-c", "trap '' TERM; sleep 300 & sleep 300"]);
        let mut process = ServerProcess::spawn(command, &console).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut pids = process.process_ids();
        while pids.len() < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            pids = process.process_ids();
        }
        assert_eq!(pids.len(), 3, "leader and two sleeps: {pids:?}");
        process.terminate_blocking(Duration::from_millis(300));
        for pid in pids {
            assert!(!pid_alive(pid), "process {pid} survived");
        }
    }

    #[test]
    fn sweep_kills_and_removes_what_a_dead_process_left() {
        let prefix = "hongyan-sweep-test-";
        // PID 0 is never a live process: the directory counts as left behind.
        let dir = std::env::temp_dir().join(format!("{prefix}0-abcdef"));
        fs::create_dir_all(&dir).unwrap();
        let needle = dir.to_string_lossy().into_owned();
        // A server left running from that directory (its path in the command line).
        let mut leftover = {
            use std::os::unix::process::CommandExt;
            Command::new("sleep")
                .arg0(format!("{needle}/server"))
                .arg("300")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !processes_mentioning(&needle).contains(&leftover.id()) {
            assert!(Instant::now() < deadline, "the leftover never showed up");
            std::thread::sleep(Duration::from_millis(10));
        }

        let mine = owned_temp_dir(prefix).unwrap();
        assert!(!dir.exists());
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(status) = leftover.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = leftover.kill();
                panic!("the leftover was not killed");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(!status.success(), "{status}");
        assert!(mine.path().exists());
        let name = mine
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(&format!("{prefix}{}-", std::process::id())));
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("log");
        fs::write(&file, "a\nb\nc\n").unwrap();
        assert_eq!(file_tail(&file, 2), "b\nc");
        assert!(file_tail(&dir.path().join("missing"), 2).contains("missing"));
    }
}
