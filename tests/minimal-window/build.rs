//! tauri-build for the reference window. It runs in a scratch directory under `OUT_DIR` (with a
//! link back to this Cargo.toml) so that its generated schemas stay out of the source tree.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed={}", root.join("page").display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let dir = out.join("tauri-app");
    let ok = std::fs::create_dir_all(&dir).is_ok() && {
        let link = dir.join("Cargo.toml");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(root.join("Cargo.toml"), &link).is_ok()
    };
    if ok {
        let _ = std::env::set_current_dir(&dir);
    }
    let attributes = tauri_build::Attributes::new().config_path(root.join("tauri.conf.json"));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("{e:#}");
        std::process::exit(1);
    }
}
