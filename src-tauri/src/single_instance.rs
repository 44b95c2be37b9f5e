//! One running Hongyan per data folder. Starting it again brings the running window to the
//! front and exits, so two copies never sign the same account in and push each other off the
//! server, or write the same database from two processes.
//!
//! The first instance holds an OS file lock on `instance.lock` in the data folder for as long as
//! it runs (the OS drops it if the process dies, so a crash leaves nothing stale behind) and
//! writes there a loopback port and a random token. A later start that cannot take the lock
//! sends the token to that port; only the token (readable by this user alone) is accepted.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::{debug, warn};

const LOCK_FILE: &str = "instance.lock";
/// How long a second start keeps trying to reach a first instance that is still starting up.
const HANDOVER_WAIT: Duration = Duration::from_secs(3);
const IO_TIMEOUT: Duration = Duration::from_millis(500);

type Raise = Box<dyn Fn() + Send>;

pub enum Claim {
    /// This process is the one: keep the guard alive until exit.
    First(Guard),
    /// Another process runs on this data folder and was asked to show its window.
    Running,
}

pub struct Guard {
    _lock: File,
    raise: Arc<Mutex<Option<Raise>>>,
}

impl Guard {
    /// What to do when another start asks for the window (set once the window exists).
    pub fn on_raise(&self, f: impl Fn() + Send + 'static) {
        *self.raise.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(f));
    }
}

pub fn claim(data_dir: &Path) -> io::Result<Claim> {
    std::fs::create_dir_all(data_dir)?;
    let path = data_dir.join(LOCK_FILE);
    let mut file = open_private(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return hand_over(&path).map(|()| Claim::Running),
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let port = listener.local_addr()?.port();
    let token = hongyan_core::chat::new_id();
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{port} {token}")?;
    file.sync_all()?;
    let raise: Arc<Mutex<Option<Raise>>> = Arc::default();
    let listening = raise.clone();
    std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || listen(listener, &token, &listening))?;
    Ok(Claim::First(Guard { _lock: file, raise }))
}

fn open_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn listen(listener: TcpListener, token: &str, raise: &Mutex<Option<Raise>>) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let mut buf = [0u8; 64];
        let mut got = 0;
        while got < buf.len() {
            match stream.read(&mut buf[got..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
            if buf[..got].contains(&b'\n') {
                break;
            }
        }
        let said = String::from_utf8_lossy(&buf[..got]);
        if said.trim_end() != token {
            warn!("refused a request to show the window without the right token");
            continue;
        }
        let _ = stream.write_all(b"ok\n");
        if let Some(f) = raise.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            f();
        }
    }
}

/// Asks the running instance to show its window.
fn hand_over(path: &Path) -> io::Result<()> {
    let deadline = Instant::now() + HANDOVER_WAIT;
    loop {
        let attempt = read_address(path).and_then(|(port, token)| knock(port, &token));
        match attempt {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            // The first instance may hold the lock but not have written its address yet.
            Err(e) => debug!(error = %e, "the running instance did not answer yet"),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn read_address(path: &Path) -> io::Result<(u16, String)> {
    let text = std::fs::read_to_string(path)?;
    let invalid = || io::Error::new(io::ErrorKind::InvalidData, "no address in the lock file yet");
    let (port, token) = text.trim().split_once(' ').ok_or_else(invalid)?;
    Ok((port.parse().map_err(|_| invalid())?, token.to_owned()))
}

fn knock(port: u16, token: &str) -> io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)), IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(format!("{token}\n").as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    if answer.trim() == "ok" {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidData, "the running instance refused"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn a_second_claim_raises_the_first_and_a_released_folder_can_be_claimed_again() {
        let dir = tempfile::tempdir().unwrap();
        let Claim::First(guard) = claim(dir.path()).unwrap() else { panic!("first claim must win") };
        let (tx, rx) = mpsc::channel();
        guard.on_raise(move || tx.send(()).unwrap());
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Running));
        rx.recv_timeout(Duration::from_secs(2)).expect("the first instance was asked to show its window");
        drop(guard);
        assert!(matches!(claim(dir.path()).unwrap(), Claim::First(_)));
    }

    #[test]
    fn a_wrong_token_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let Claim::First(guard) = claim(dir.path()).unwrap() else { panic!("first claim must win") };
        let (tx, rx) = mpsc::channel();
        guard.on_raise(move || tx.send(()).unwrap());
        let (port, _) = read_address(&dir.path().join(LOCK_FILE)).unwrap();
        assert!(knock(port, "not-the-token").is_err());
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "raised without the token");
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let _claim = claim(dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join(LOCK_FILE)).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
}
