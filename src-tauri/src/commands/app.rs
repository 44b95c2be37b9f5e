//! App-level commands: version and locale, settings, opening links.

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::{blocking, Error, Result};
use crate::sandbox::Sandbox;
use crate::settings::{self, Settings};
use crate::state::AppState;
use crate::tray::Tray;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub locale: String,
    pub sandbox: Option<Sandbox>,
    /// `linux`, `macos`, `windows` or `other`: the UI names the OS keyring the platform's way.
    pub os: &'static str,
}

fn os_name() -> &'static str {
    match std::env::consts::OS {
        os @ ("linux" | "macos" | "windows") => os,
        _ => "other",
    }
}

/// The first thing the window asks. If the local data could not be opened at start-up, it is
/// tried again here, so the window's "Try again" retries for real.
#[tauri::command]
pub async fn app_info<R: Runtime>(app: AppHandle<R>) -> Result<AppInfo> {
    crate::start_engine(&app)
        .await
        .map_err(|e| Error::DataUnavailable(e.to_string()))?;
    let state = app.state::<AppState>();
    Ok(AppInfo {
        version: app.package_info().version.to_string(),
        locale: state.locale.clone(),
        sandbox: state.sandbox.clone(),
        os: os_name(),
    })
}

#[tauri::command]
pub fn get_settings(state: State<'_, AppState>) -> Settings {
    state.settings()
}

#[tauri::command]
pub async fn set_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    settings: Settings,
) -> Result<Settings> {
    let path = state.settings_path.clone();
    blocking(move || settings::save(&path, &settings))
        .await?
        .map_err(Error::Settings)?;
    state.set_settings(settings);
    if let Some(tray) = app.try_state::<Tray<R>>() {
        tray.set_language(settings.ui_language(&state.locale));
    }
    Ok(settings)
}

#[tauri::command]
pub async fn open_link(url: String) -> Result<()> {
    crate::links::open(&url).await
}

/// The window's first frame: the UI calls this once after it has painted. Logged, and printed
/// for `make bench` (which sets `HONGYAN_BENCH`) as the start-up figure.
#[tauri::command]
pub fn ui_ready() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let ms = crate::STARTED.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(ms, "first paint");
        if std::env::var_os("HONGYAN_BENCH").is_some() {
            println!("hongyan-bench first-paint-ms={ms:.0}");
        }
    });
}
