//! User preferences of the desktop app (language, theme), kept in `settings.json` in the data
//! directory. A missing, unreadable or corrupt file means defaults; the file is only written
//! when the user changes something, so a corrupt file is left for inspection until then.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tracing::warn;

pub const FILE_NAME: &str = "settings.json";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    /// Follow the operating system.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// Traditional Chinese, in Taiwan's words.
    #[serde(rename = "zh-TW")]
    ZhTw,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub language: Language,
    pub theme: Theme,
}

impl Settings {
    /// The language the shell's own texts (tray menu) use: the setting, or the OS locale.
    pub fn ui_language(&self, os_locale: &str) -> Language {
        match self.language {
            Language::Auto => language_of_locale(os_locale),
            chosen => chosen,
        }
    }
}

/// The UI language for an OS locale (BCP 47 or POSIX), as the UI picks it (`localeFromSystem`
/// in ui/src/i18n): Chinese by its script when the tag names one (Hant → Traditional, Hans →
/// Simplified), else by region (TW, HK, MO → Traditional; any other → Simplified); anything
/// else is English.
pub fn language_of_locale(locale: &str) -> Language {
    let tag = locale
        .split(['.', '@'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut subtags = tag.split(['-', '_']);
    if subtags.next() != Some("zh") {
        return Language::En;
    }
    let rest: Vec<&str> = subtags.collect();
    if rest.contains(&"hant") {
        Language::ZhTw
    } else if rest.contains(&"hans") {
        Language::ZhCn
    } else if rest.iter().any(|s| matches!(*s, "tw" | "hk" | "mo")) {
        Language::ZhTw
    } else {
        Language::ZhCn
    }
}

pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Reads the settings; any problem gives the defaults (and a warning in the log).
pub fn load(path: &Path) -> Settings {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Settings::default(),
        Err(e) => {
            warn!(path = %path.display(), error = %e, "cannot read the settings; using defaults");
            return Settings::default();
        }
    };
    serde_json::from_str(&text).unwrap_or_else(|e| {
        warn!(path = %path.display(), error = %e, "the settings file is not valid; using defaults");
        Settings::default()
    })
}

/// Writes the settings atomically: a crash mid-write leaves the old file, never half a file.
pub fn save(path: &Path, settings: &Settings) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let json = serde_json::to_vec_pretty(settings).map_err(io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

/// The OS user-interface locale as a BCP 47 tag (`zh-CN`, `en-US`); `en` when unknown.
pub fn os_locale() -> String {
    sys_locale::get_locale()
        .map(|l| normalize_locale(&l))
        .unwrap_or_else(|| "en".into())
}

/// Turns POSIX spellings (`zh_CN.UTF-8`, `de_DE@euro`, `C`) into BCP 47 tags.
pub fn normalize_locale(raw: &str) -> String {
    let tag = raw
        .split(['.', '@'])
        .next()
        .unwrap_or_default()
        .trim()
        .replace('_', "-");
    if tag.is_empty() || tag.eq_ignore_ascii_case("C") || tag.eq_ignore_ascii_case("POSIX") {
        return "en".into();
    }
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default().to_ascii_lowercase();
    let rest: Vec<String> = parts
        .map(|p| {
            if p.len() == 2 {
                p.to_ascii_uppercase()
            } else {
                p.to_owned()
            }
        })
        .collect();
    std::iter::once(language)
        .chain(rest)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let s = load(&path_in(dir.path()));
        assert_eq!(
            s,
            Settings {
                language: Language::Auto,
                theme: Theme::System
            }
        );
    }

    #[test]
    fn corrupt_file_gives_defaults_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        std::fs::write(&path, b"{\"language\": \"zh-CN\", \"theme\": ").unwrap();
        assert_eq!(load(&path), Settings::default());
        std::fs::write(&path, b"{\"language\": \"klingon\"}").unwrap();
        assert_eq!(load(&path), Settings::default());
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert_eq!(load(&path), Settings::default());
        assert!(
            path.exists(),
            "a corrupt file is only replaced when the user saves"
        );
    }

    #[test]
    fn partial_file_fills_in_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        std::fs::write(&path, br#"{"theme": "dark", "unknownFutureKey": 1}"#).unwrap();
        assert_eq!(
            load(&path),
            Settings {
                language: Language::Auto,
                theme: Theme::Dark
            }
        );
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(FILE_NAME);
        let s = Settings {
            language: Language::ZhCn,
            theme: Theme::Light,
        };
        save(&path, &s).unwrap();
        assert_eq!(load(&path), s);
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            raw,
            serde_json::json!({ "language": "zh-CN", "theme": "light" })
        );
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn ui_language_follows_the_os_when_auto() {
        let auto = Settings::default();
        assert_eq!(auto.ui_language("zh-CN"), Language::ZhCn);
        assert_eq!(auto.ui_language("zh-Hant-TW"), Language::ZhTw);
        assert_eq!(auto.ui_language("en-GB"), Language::En);
        assert_eq!(auto.ui_language("de"), Language::En);
        let en = Settings {
            language: Language::En,
            ..auto
        };
        assert_eq!(en.ui_language("zh-CN"), Language::En);
    }

    #[test]
    fn traditional_chinese_is_a_setting_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        std::fs::write(&path, br#"{"language": "zh-TW", "theme": "dark"}"#).unwrap();
        let s = load(&path);
        assert_eq!(s.language, Language::ZhTw);
        assert_eq!(s.ui_language("en-US"), Language::ZhTw);
        save(&path, &s).unwrap();
        let raw: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(raw["language"], "zh-TW");
        // What the UI sends through set_settings.
        let from_ui: Settings =
            serde_json::from_value(serde_json::json!({ "language": "zh-TW", "theme": "system" }))
                .unwrap();
        assert_eq!(from_ui.language, Language::ZhTw);
        assert!(
            serde_json::from_value::<Settings>(serde_json::json!({ "language": "zh-HK" })).is_err()
        );
    }

    #[test]
    fn os_locales_choose_simplified_or_traditional_as_the_ui_does() {
        for (locale, language) in [
            ("zh-TW", Language::ZhTw),
            ("zh_TW.UTF-8", Language::ZhTw),
            ("zh-HK", Language::ZhTw),
            ("zh_HK.Big5-HKSCS", Language::ZhTw),
            ("zh-MO", Language::ZhTw),
            ("zh-Hant", Language::ZhTw),
            ("zh-Hant-CN", Language::ZhTw),
            ("zh-Hans-HK", Language::ZhCn),
            ("zh-Hans", Language::ZhCn),
            ("zh-CN", Language::ZhCn),
            ("zh-SG", Language::ZhCn),
            ("zh", Language::ZhCn),
            ("en-TW", Language::En),
            ("zu", Language::En),
            ("", Language::En),
        ] {
            assert_eq!(language_of_locale(locale), language, "{locale}");
        }
    }

    #[test]
    fn posix_locales_become_bcp47() {
        assert_eq!(normalize_locale("zh_CN.UTF-8"), "zh-CN");
        assert_eq!(normalize_locale("en_us"), "en-US");
        assert_eq!(normalize_locale("de_DE@euro"), "de-DE");
        assert_eq!(normalize_locale("zh-Hans-CN"), "zh-Hans-CN");
        assert_eq!(normalize_locale("C"), "en");
        assert_eq!(normalize_locale("POSIX"), "en");
        assert_eq!(normalize_locale(""), "en");
    }
}
