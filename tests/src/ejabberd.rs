//! A throwaway ejabberd (Debian's 23.01) on loopback ports, from tests/servers/ejabberd.yml.in.
//!
//! `ejabberdctl` run as root hands over to the `ejabberd` user through `su`, which puts the
//! Erlang VM in a session of its own where a process-group signal cannot reach it. So the
//! harness starts `ejabberdctl` as the `ejabberd` user itself: the VM stays in the group
//! the harness created, and `HOME` (the Erlang cookie) is the server's own directory.
//! Each server gets its own node name and distribution port (`ERL_DIST_PORT`, no epmd),
//! so runs in parallel never talk to each other's node.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use nix::unistd::{Uid, User};

use crate::server::{BoxFuture, Instance, Ports, ServerOptions, XmppServer, DOMAIN};

const TEMPLATE: &str = include_str!("../servers/ejabberd.yml.in");

/// The Erlang VM needs longer than Prosody to come up, more so on a busy machine.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// An ejabberd run by this test process. Dropping it stops the whole Erlang VM.
pub struct Ejabberd {
    instance: Instance,
    node: String,
    /// The node's Erlang distribution port (`ERL_DIST_PORT`).
    dist_port: u16,
    /// Set when running as root: the `ejabberd` user's uid and gid.
    run_as: Option<(u32, u32)>,
}

impl Ejabberd {
    /// Writes the configuration into a fresh directory, starts `ejabberdctl foreground`
    /// and waits (up to 20 s) until the c2s port accepts connections.
    pub async fn start(options: ServerOptions) -> Result<Ejabberd> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = crate::process::owned_temp_dir("hongyan-ejabberd-")
            .context("creating ejabberd's directory")?;
        let log = dir.path().join("logs/ejabberd.log");
        let instance = Instance::new("ejabberd", dir, log, READY_TIMEOUT);
        let root = instance.path().to_path_buf();
        let node = format!(
            "hongyan_{}_{}@localhost",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );

        for sub in ["certs", "logs", "spool", "upload"] {
            fs::create_dir_all(root.join(sub))?;
        }
        let leaf = options.leaf();
        let pem = root.join("certs/localhost.pem");
        fs::write(&pem, format!("{}{}", leaf.cert_pem(), leaf.key_pem()))?;
        fs::set_permissions(&pem, fs::Permissions::from_mode(0o600))?;
        fs::write(
            root.join("ejabberd.yml"),
            render_config(&root.to_string_lossy(), instance.ports, &options),
        )
        .context("writing ejabberd.yml")?;
        let dist_port = crate::free_port();
        fs::write(
            root.join("ejabberdctl.cfg"),
            render_ctl_config(&root, &node, dist_port),
        )
        .context("writing ejabberdctl.cfg")?;
        // Without this file every Erlang start prints an error about it.
        fs::write(root.join("inetrc"), "{lookup, [file, native]}.\n")?;

        let run_as = if Uid::effective().is_root() {
            let user = User::from_name("ejabberd")
                .context("looking up the ejabberd user")?
                .context("there is no `ejabberd` user: is the ejabberd package installed?")?;
            chown_tree(&root, user.uid.as_raw(), user.gid.as_raw())?;
            Some((user.uid.as_raw(), user.gid.as_raw()))
        } else {
            None
        };

        let mut server = Ejabberd {
            instance,
            node,
            dist_port,
            run_as,
        };
        server.launch().await?;
        Ok(server)
    }

    /// Runs a command as the user the server runs as, with its `HOME` (the Erlang cookie).
    fn as_server_user(&self, program: &str) -> Command {
        let root = self.instance.path();
        let mut command = Command::new(program);
        command.env("HOME", root).current_dir(root);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }

    /// `ejabberdctl` with this server's directories.
    fn ctl(&self) -> Command {
        let root = self.instance.path();
        let mut command = self.as_server_user("ejabberdctl");
        command
            .arg("--config-dir")
            .arg(root)
            .arg("--spool")
            .arg(root.join("spool"))
            .arg("--logs")
            .arg(root.join("logs"));
        command
    }

    /// Makes Mnesia write its transaction log to disk. Mnesia writes it with a delay of
    /// up to two seconds, so without this an account made just before a SIGKILL is gone
    /// after the restart.
    fn sync_storage(&self) -> Result<()> {
        let script = format!(
            "R = rpc:call('{}', mnesia, sync_log, [], 5000), \
             io:format(\"~p~n\", [R]), halt(case R of ok -> 0; _ -> 1 end).",
            self.node
        );
        let output = self
            .as_server_user("erl")
            .arg("-sname")
            .arg(format!("sync_{}", self.node))
            .args([
                "-hidden",
                "-noinput",
                "-start_epmd",
                "false",
                "-dist_listen",
                "false",
            ])
            .arg("-erl_epmd_port")
            .arg(self.dist_port.to_string())
            .arg("-eval")
            .arg(script)
            .stdin(std::process::Stdio::null())
            .output()
            .context("running erl")?;
        if !output.status.success() {
            bail!(
                "mnesia:sync_log on {} failed: {}{}",
                self.node,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    async fn launch(&mut self) -> Result<()> {
        let mut command = self.ctl();
        command.arg("foreground");
        self.instance.launch(command).await
    }

    /// The Erlang node name, unique to this server.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// `ejabberdctl register user localhost password` against this server's node.
    pub async fn register(&self, user: &str, password: &str) -> Result<()> {
        // ejabberd opens its c2s port before every Mnesia table is loaded; a registration in
        // that window ends in an unhandled exception (`no_exists`). Those are retried for a few
        // seconds; a name that is taken is a plain error and is not.
        let mut attempt = 0;
        loop {
            match self.register_once(user, password).await {
                Err(e) if attempt < 20 && format!("{e:#}").contains("Unhandled exception") => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                other => return other,
            }
        }
    }

    async fn register_once(&self, user: &str, password: &str) -> Result<()> {
        let mut command = tokio::process::Command::from(self.ctl());
        command
            .args(["register", user, DOMAIN, password])
            .stdin(std::process::Stdio::null());
        let output = command.output().await.context("running ejabberdctl")?;
        if !output.status.success() {
            bail!(
                "ejabberdctl register {user}@{DOMAIN} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }

    pub async fn stop(&mut self) -> Result<()> {
        self.instance.stop().await
    }

    pub async fn start_again(&mut self) -> Result<()> {
        self.launch().await
    }
}

fn render_config(dir: &str, ports: Ports, options: &ServerOptions) -> String {
    TEMPLATE
        .replace(
            "{{stanza_size_limit}}",
            &options.stanza_size_limit().to_string(),
        )
        .replace("{{dir}}", dir)
        .replace("{{c2s_port}}", &ports.c2s.to_string())
        .replace("{{direct_tls_port}}", &ports.direct_tls.to_string())
        .replace("{{https_port}}", &ports.https.to_string())
        .replace("{{proxy65_port}}", &ports.proxy65.to_string())
}

/// ejabberdctl.cfg is a shell fragment that ejabberdctl sources.
fn render_ctl_config(dir: &Path, node: &str, dist_port: u16) -> String {
    format!(
        "ERLANG_NODE={node}\n\
         ERL_DIST_PORT={dist_port}\n\
         ERL_OPTIONS=\"-env ERL_CRASH_DUMP_BYTES 0 -kernel inet_dist_use_interface {{127,0,0,1}}\"\n\
         EJABBERD_PID_PATH={}\n\
         EJABBERD_BYPASS_WARNINGS=true\n",
        dir.join("ejabberd.pid").display()
    )
}

fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .with_context(|| format!("chown {}", path.display()))?;
    if path.is_dir() {
        for entry in fs::read_dir(path)? {
            let entry: PathBuf = entry?.path();
            chown_tree(&entry, uid, gid)?;
        }
    }
    Ok(())
}

impl XmppServer for Ejabberd {
    fn name(&self) -> &'static str {
        "ejabberd"
    }

    fn ports(&self) -> Ports {
        self.instance.ports
    }

    fn register<'a>(&'a self, user: &'a str, password: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(Ejabberd::register(self, user, password))
    }

    /// Flushes Mnesia's transaction log first, so what a test wrote
    /// survives as it does with Prosody's SQLite; then SIGKILL.
    fn kill(&mut self) {
        if self.instance.is_running() {
            if let Err(e) = self.sync_storage() {
                eprintln!("ejabberd: {e:#}");
            }
        }
        self.instance.kill()
    }

    fn stop(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(Ejabberd::stop(self))
    }

    fn start_again(&mut self) -> BoxFuture<'_, Result<()>> {
        Box::pin(Ejabberd::start_again(self))
    }

    fn is_running(&mut self) -> bool {
        self.instance.is_running()
    }

    fn process_ids(&mut self) -> Vec<u32> {
        self.instance.process_ids()
    }

    fn log_tail(&self, lines: usize) -> String {
        self.instance.log_tail(lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        let ports = Ports {
            c2s: 1,
            direct_tls: 2,
            https: 3,
            proxy65: 4,
        };
        let options = ServerOptions {
            stanza_size_limit: Some(2 << 20),
            ..ServerOptions::default()
        };
        let config = render_config("/tmp/x", ports, &options);
        assert!(!config.contains("{{"), "{config}");
        assert_eq!(config.matches("max_stanza_size: 2097152\n").count(), 2);
        assert!(config.contains("port: 2\n"));
        let ctl = render_ctl_config(Path::new("/tmp/x"), "n_1@localhost", 9);
        assert!(ctl.contains("ERL_DIST_PORT=9\n"));
        assert!(ctl.contains("{127,0,0,1}"));
    }
}
