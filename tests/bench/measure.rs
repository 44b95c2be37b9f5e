//! What the app benchmark reads from /proc: the process tree below the app, its CPU time, its
//! memory (PSS and RSS per process, peak RSS) and a per-mapping breakdown from smaps.

use std::collections::{BTreeMap, HashMap};

/// Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;
const KIB_PER_MIB: f64 = 1024.0;

fn children_map() -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return map;
    };
    for entry in dir.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some(fields) = stat_fields(pid) {
            if let Some(ppid) = fields.get(1).and_then(|p| p.parse::<u32>().ok()) {
                map.entry(ppid).or_default().push(pid);
            }
        }
    }
    map
}

/// Fields of /proc/<pid>/stat after the command name: `[0]` is field 3 of proc(5) (state).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses; the fields after the last ')' are fixed.
    let rest = stat.rsplit_once(')').map(|(_, r)| r)?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// `root` and every process below it.
pub fn tree(root: u32) -> Vec<u32> {
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

/// User plus system CPU time of `pid`, in clock ticks (0 for a process that is gone).
pub fn cpu_ticks(pid: u32) -> u64 {
    let Some(f) = stat_fields(pid) else { return 0 };
    // utime and stime are fields 14 and 15.
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

pub fn ticks_to_secs(ticks: u64) -> f64 {
    ticks as f64 / TICKS_PER_SECOND
}

pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Which part of the tree a process is, by its command name.
pub fn role(pid: u32, root: u32) -> String {
    let name = comm(pid);
    if pid == root {
        "app".into()
    } else if name.starts_with("WebKitWebProces") {
        "web".into()
    } else if name.starts_with("WebKitNetworkPr") {
        "network".into()
    } else {
        name
    }
}

fn kib_field(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// PSS and RSS of one process in KiB, from smaps_rollup.
pub fn pss_rss_kib(pid: u32) -> (u64, u64) {
    match std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
        Ok(text) => (kib_field(&text, "Pss:"), kib_field(&text, "Rss:")),
        Err(_) => (0, 0),
    }
}

/// Peak RSS of one process in KiB (VmHWM).
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|t| kib_field(&t, "VmHWM:"))
        .unwrap_or(0)
}

/// One process at one moment.
#[derive(Clone, Debug)]
pub struct ProcessMemory {
    pub role: String,
    pub pss_mib: f64,
    pub rss_mib: f64,
    pub peak_rss_mib: f64,
    /// PSS by kind of mapping, MiB.
    pub kinds: BTreeMap<&'static str, f64>,
}

pub fn process_memory(pid: u32, root: u32) -> ProcessMemory {
    let (pss, rss) = pss_rss_kib(pid);
    ProcessMemory {
        role: role(pid, root),
        pss_mib: pss as f64 / KIB_PER_MIB,
        rss_mib: rss as f64 / KIB_PER_MIB,
        peak_rss_mib: peak_rss_kib(pid) as f64 / KIB_PER_MIB,
        kinds: smaps_kinds(pid),
    }
}

/// What a mapping holds, from its path and permissions in /proc/<pid>/smaps.
fn mapping_kind(path: &str, perms: &str) -> &'static str {
    if path.is_empty() {
        if perms.contains('x') {
            "anon exec (JIT)"
        } else {
            "anon (malloc, JS heap)"
        }
    } else if path == "[heap]" {
        "brk heap"
    } else if path.starts_with("[stack") {
        "stacks"
    } else if path.starts_with("/dev/dri") || path.contains("drm") {
        "GPU buffers"
    } else if path.starts_with("/memfd:") || path.starts_with("/dev/shm") || path.starts_with("/SYSV") {
        "shared memory"
    } else if path.contains(".so") {
        "libraries"
    } else if path.contains("/fonts/") || path.ends_with(".ttf") || path.ends_with(".otf") || path.ends_with(".ttc") {
        "fonts"
    } else if path.starts_with('[') {
        "kernel"
    } else {
        "other files"
    }
}

/// PSS of one process by kind of mapping, MiB.
pub fn smaps_kinds(pid: u32) -> BTreeMap<&'static str, f64> {
    let mut out = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return out;
    };
    let mut kind = "other files";
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let first = parts.next().unwrap_or_default();
        // A mapping header: "start-end perms offset dev inode [path]".
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let perms = parts.next().unwrap_or_default();
            let path: Vec<&str> = parts.skip(3).collect();
            kind = mapping_kind(&path.join(" "), perms);
        } else if first == "Pss:" {
            let kib: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            *out.entry(kind).or_insert(0.0) += kib as f64 / KIB_PER_MIB;
        }
    }
    out
}

/// The 1-minute load average, as /proc/loadavg reports it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_are_sorted_into_kinds() {
        assert_eq!(mapping_kind("", "rw-p"), "anon (malloc, JS heap)");
        assert_eq!(mapping_kind("", "rwxp"), "anon exec (JIT)");
        assert_eq!(mapping_kind("[heap]", "rw-p"), "brk heap");
        assert_eq!(mapping_kind("/usr/lib/x86_64-linux-gnu/libwebkit2gtk-4.1.so.0.13.4", "r-xp"), "libraries");
        assert_eq!(mapping_kind("/memfd:WebKitSharedMemory (deleted)", "rw-s"), "shared memory");
        assert_eq!(mapping_kind("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "r--p"), "fonts");
        assert_eq!(mapping_kind("/dev/dri/renderD128", "rw-s"), "GPU buffers");
    }

    #[test]
    fn this_process_is_measured() {
        let me = std::process::id();
        assert!(tree(me).contains(&me));
        let m = process_memory(me, me);
        assert_eq!(m.role, "app");
        assert!(m.pss_mib > 0.0 && m.rss_mib >= m.pss_mib && m.peak_rss_mib >= m.rss_mib * 0.5);
        assert!(m.kinds.values().sum::<f64>() > 0.0);
    }
}
