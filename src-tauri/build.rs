//! Build script of the desktop app: runs tauri-build (config, capabilities, context).
//!
//! The package root is the repository root (it also holds the workspace), but tauri-build
//! writes its generated ACL schemas to `./gen/schemas` of the directory it runs in. So that
//! nothing is generated at the top of the repository, it runs in a scratch directory under
//! `OUT_DIR` that links back to the real `Cargo.toml`; the configuration is the root
//! `tauri.conf.json` and the capabilities come from `src-tauri/capabilities`.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let capabilities = root.join("src-tauri").join("capabilities");
    println!("cargo:rerun-if-changed={}", capabilities.display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("icons").join("tray.png").display()
    );

    let pattern: &'static str =
        Box::leak(format!("{}/**/*", capabilities.display()).into_boxed_str());
    let attributes = tauri_build::Attributes::new()
        .config_path(root.join("tauri.conf.json"))
        .capabilities_path_pattern(pattern);

    match scratch_dir(&root) {
        Ok(dir) => {
            if let Err(e) = std::env::set_current_dir(&dir) {
                println!("cargo:warning=cannot enter {}: {e}", dir.display());
            }
        }
        // Without symbolic links (some Windows set-ups) tauri-build runs in the package root
        // and leaves its schemas in ./gen there.
        Err(e) => println!("cargo:warning=tauri-build runs in the package root: {e}"),
    }

    if let Err(e) = tauri_build::try_build(attributes) {
        // The message is the whole point of a failed build script: print it and stop.
        println!("cargo:warning=tauri-build failed: {e:#}");
        eprintln!("{e:#}");
        std::process::exit(1);
    }
}

/// `OUT_DIR/tauri-app` holding a link named `Cargo.toml` to the package manifest: tauri-build
/// reads `./Cargo.toml` and resolves it to the real file (so workspace inheritance works).
fn scratch_dir(root: &Path) -> std::io::Result<PathBuf> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let dir = out.join("tauri-app");
    std::fs::create_dir_all(&dir)?;
    let link = dir.join("Cargo.toml");
    let _ = std::fs::remove_file(&link);
    symlink(&root.join("Cargo.toml"), &link)?;
    Ok(dir)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file(target, link)
}

#[cfg(not(any(unix, windows)))]
fn symlink(_target: &Path, _link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "symbolic links are not supported here",
    ))
}
