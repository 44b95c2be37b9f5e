//! The tray icon with its menu: show the window, quit. On Linux a tray icon gets no clicks
//! (AppIndicator), so the menu carries everything. Closing the main window quits Hongyan: the
//! tray is a shortcut, never a place the app hides in.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};
use tracing::warn;

use crate::settings::Language;

const SHOW: &str = "show";
const QUIT: &str = "quit";

/// The menu entries, kept to relabel them when the language changes.
pub struct Tray<R: Runtime> {
    show: MenuItem<R>,
    quit: MenuItem<R>,
    _icon: TrayIcon<R>,
}

/// (show, quit) labels.
pub fn labels(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::ZhCn => ("显示鸿雁", "退出"),
        Language::ZhTw => ("顯示鴻雁", "結束"),
        Language::En | Language::Auto => ("Show Hongyan", "Quit"),
    }
}

pub fn create<R: Runtime>(app: &AppHandle<R>, language: Language) -> tauri::Result<Tray<R>> {
    let (show_label, quit_label) = labels(language);
    let show = MenuItem::with_id(app, SHOW, show_label, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, quit_label, true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let icon = TrayIconBuilder::with_id("main")
        .icon(tauri::include_image!("icons/tray.png"))
        .tooltip("Hongyan 鸿雁")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            SHOW => show_main_window(app),
            QUIT => app.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main_window(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(Tray {
        show,
        quit,
        _icon: icon,
    })
}

impl<R: Runtime> Tray<R> {
    pub fn set_language(&self, language: Language) {
        let (show, quit) = labels(language);
        if let Err(e) = self
            .show
            .set_text(show)
            .and_then(|_| self.quit.set_text(quit))
        {
            warn!(error = %e, "cannot relabel the tray menu");
        }
    }
}

pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let result = window
        .unminimize()
        .and_then(|_| window.show())
        .and_then(|_| window.set_focus());
    if let Err(e) = result {
        warn!(error = %e, "cannot bring the main window forward");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_language() {
        assert_eq!(labels(Language::ZhCn), ("显示鸿雁", "退出"));
        assert_eq!(labels(Language::ZhTw), ("顯示鴻雁", "結束"));
        assert_eq!(labels(Language::En), ("Show Hongyan", "Quit"));
    }
}
