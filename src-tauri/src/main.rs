//! Hongyan (鸿雁), the desktop XMPP client: the Tauri shell around hongyan-core.
//!
//! The shell is thin: it opens the store, keeps one engine session per signed-in account,
//! maps the UI's commands onto engine and store calls, forwards engine events to the webview
//! (coalescing message bursts), and adds what only a desktop app has: the tray, notifications
//! and the OS keyring.
//!
//! Environment: `RUST_LOG` (tracing filter), `HONGYAN_DATA_DIR` (where the database and
//! settings live; default: the platform's app data directory), `HONGYAN_SANDBOX`
//! (`domain,host,port` of a local test server the login screen offers).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod events;
mod links;
mod navigation;
mod notify;
mod sandbox;
mod secrets;
mod settings;
mod single_instance;
mod state;
mod tray;
mod webview;

use std::path::PathBuf;
use std::time::Duration;

use hongyan_core::store::Store;
use hongyan_core::Event;
use tauri::{App, AppHandle, Emitter, Manager, RunEvent, Runtime, WindowEvent};
use tokio::sync::broadcast;
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

use crate::notify::Notifier;
use crate::state::AppState;

const DATA_DIR_ENV: &str = "HONGYAN_DATA_DIR";

/// When the process started, for the first-paint figure.
static STARTED: std::sync::LazyLock<std::time::Instant> = std::sync::LazyLock::new(std::time::Instant::now);
const DEFAULT_LOG_FILTER: &str = "warn,hongyan=info,hongyan_core=info,hongyan_store=info";

fn main() {
    std::sync::LazyLock::force(&STARTED);
    webview::prepare_environment();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER)),
        )
        .init();

    let context = tauri::generate_context!();
    let Some(data) = data_dir(&context.config().identifier) else {
        error!("Hongyan could not start: this system names no folder for application data (set {DATA_DIR_ENV})");
        std::process::exit(1);
    };
    let instance = match single_instance::claim(&data) {
        Ok(single_instance::Claim::First(guard)) => Some(guard),
        Ok(single_instance::Claim::Running) => {
            info!(data = %data.display(), "Hongyan is already running on this data folder; its window was brought to the front");
            return;
        }
        // Better two windows than none: say why and go on.
        Err(e) => {
            warn!(data = %data.display(), error = %e, "cannot check for another running Hongyan");
            None
        }
    };

    let app = tauri::Builder::default()
        .plugin(navigation::guard())
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::get_settings,
            commands::app::set_settings,
            commands::app::open_link,
            commands::app::ui_ready,
            commands::account::accounts,
            commands::account::register_account,
            commands::account::login,
            commands::account::logout,
            commands::account::forget_account,
            commands::account::cancel_login,
            commands::roster::roster,
            commands::roster::add_contact,
            commands::roster::answer_subscription,
            commands::roster::subscription_requests,
            commands::roster::set_presence,
            commands::chat::conversations,
            commands::chat::history,
            commands::chat::send_message,
            commands::chat::mark_read,
        ])
        .setup(move |app| {
            if let Some(guard) = &instance {
                let handle = app.handle().clone();
                guard.on_raise(move || tray::show_main_window(&handle));
            }
            app.manage(instance);
            setup(app, data);
            Ok(())
        })
        // Closing the main window quits, tray or not: nothing keeps running unseen.
        .on_window_event(|window, event| {
            if window.label() == "main" && matches!(event, WindowEvent::Destroyed) {
                window.app_handle().exit(0);
            }
        })
        .build(context);
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            error!(error = %e, "Hongyan could not start");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            sign_out_all(handle);
        }
    });
}

/// Why the local data could not be opened. The window still opens and says so, with a retry.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    #[error("cannot open the database {path}: {source}")]
    Store {
        path: PathBuf,
        source: hongyan_core::store::Error,
    },
}

/// The data folder, managed from the start so that opening the store can be tried again.
pub(crate) struct DataDir(PathBuf);

/// `HONGYAN_DATA_DIR`, else the platform's app data folder named by the app identifier (the
/// folder Tauri's `app_data_dir` names too).
fn data_dir(identifier: &str) -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => dirs::data_dir().map(|d| d.join(identifier)),
    }
}

fn setup<R: Runtime>(app: &mut App<R>, data: PathBuf) {
    let settings_path = settings::path_in(&data);
    app.manage(DataDir(data));
    if let Err(e) = tauri::async_runtime::block_on(start_engine(app.handle())) {
        // The window asks again (`app_info`) and shows this in words, with a retry.
        error!(error = %e, "the local data could not be opened");
    }
    // The tray speaks the UI's language: from the shared state, else from the settings file.
    let language = match app.try_state::<AppState>() {
        Some(state) => state.settings().ui_language(&state.locale),
        None => settings::load(&settings_path).ui_language(&settings::os_locale()),
    };
    match tray::create(app.handle(), language) {
        Ok(tray) => {
            app.manage(tray);
        }
        // Desktops without a tray (or without AppIndicator) still get the window.
        Err(e) => warn!(error = %e, "no tray icon"),
    }
}

/// Opens the store and starts what depends on it (shared state, the event bridge), once.
/// Called at start-up and again by the window while it has not succeeded.
pub(crate) async fn start_engine<R: Runtime>(app: &AppHandle<R>) -> Result<(), StartError> {
    static STARTING: std::sync::OnceLock<tokio::sync::Mutex<()>> = std::sync::OnceLock::new();
    let _one_at_a_time = STARTING.get_or_init(Default::default).lock().await;
    if app.try_state::<AppState>().is_some() {
        return Ok(());
    }
    let data = app.state::<DataDir>().0.clone();
    let db = data.join("hongyan.db");
    let store = Store::open(&db).await.map_err(|source| StartError::Store { path: db, source })?;
    info!(data = %data.display(), "store open");

    let settings_path = settings::path_in(&data);
    let settings = settings::load(&settings_path);
    let (events, bridge_rx) = broadcast::channel(state::EVENT_CAPACITY);
    app.manage(AppState::new(
        store,
        events,
        settings_path,
        settings,
        sandbox::from_env(),
        settings::os_locale(),
    ));
    let clicked = app.clone();
    app.manage(Notifier::new(std::sync::Arc::new(move |account: &str, peer: &str| {
        open_conversation(&clicked, account, peer)
    })));
    let handle = app.clone();
    tauri::async_runtime::spawn(events::run(bridge_rx, move |event| forward(&handle, event)));
    Ok(())
}

/// A notification was clicked: the window comes forward and opens that conversation.
fn open_conversation<R: Runtime>(app: &AppHandle<R>, account: &str, peer: &str) {
    tray::show_main_window(app);
    let open = notify::OpenConversation { account: account.to_owned(), peer: peer.to_owned() };
    if let Err(e) = app.emit(notify::OPEN_CONVERSATION, open) {
        warn!(error = %e, "cannot ask the window to open the conversation");
    }
}

/// Sends one engine event to the webview, and notifies about incoming messages.
fn forward<R: Runtime>(app: &AppHandle<R>, event: Event) {
    if let Event::Messages { account, messages } = &event {
        notify::messages(app, account, messages);
    }
    if let Err(e) = app.emit(event.name(), &event) {
        warn!(event = event.name(), error = %e, "cannot deliver an event to the window");
    }
}

/// Says goodbye to the servers (unavailable presence, stream close) before the process ends.
fn sign_out_all<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let clients = state.take_all();
    if clients.is_empty() {
        return;
    }
    tauri::async_runtime::block_on(async {
        let all = async {
            for client in clients {
                client.disconnect().await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(3), all)
            .await
            .is_err()
        {
            warn!("some servers did not answer the sign-out in time");
        }
    });
}
