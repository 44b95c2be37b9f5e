//! The app benchmark's reference: one Tauri window with a static page and one command, so that
//! `make bench` can tell how much of Hongyan's memory and start-up is the platform's (Tauri,
//! GTK, WebKitGTK) and how much is Hongyan's own. It applies the same WebView environment as the
//! app, so the two differ only in what the app does.

use std::time::Instant;

static STARTED: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);

/// Called by the page after its first frame; printed in the app's format for the bench.
#[tauri::command]
fn ready() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        println!("hongyan-bench first-paint-ms={:.0}", STARTED.elapsed().as_secs_f64() * 1000.0);
    });
}

fn main() {
    std::sync::LazyLock::force(&STARTED);
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none() {
        // SAFETY: first thing in main, before any other thread exists.
        unsafe { std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1") };
    }
    let app = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!());
    if let Err(e) = app {
        eprintln!("the reference window could not start: {e}");
        std::process::exit(1);
    }
}
