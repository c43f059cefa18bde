//! Which server the window uses, decided at start: `--center URL`, else `BINHE_CENTER_URL`,
//! else the choice saved in `desktop.json`, else standalone (the embedded server).

use std::path::{Path, PathBuf};

use binhe_server::desktop::parse_center_url;
use serde::{Deserialize, Serialize};
use url::Url;

/// `$XDG_CONFIG_HOME/smart-binhe/desktop.json` (or `~/.config/smart-binhe/desktop.json`).
pub fn settings_file() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("smart-binhe/desktop.json")
}

/// What `desktop.json` holds.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Saved {
    /// The center server the app connects to at start; `null`: standalone.
    pub center_url: Option<Url>,
    /// The HTTPS certificate each center (`host:port`) presented when the person trusted it
    /// (its `SHA256:…` fingerprint): only that certificate is accepted from it afterwards.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub pins: std::collections::BTreeMap<String, String>,
}

impl Saved {
    /// A missing file is standalone; a broken one is reported and treated as standalone.
    pub fn load(path: &Path) -> Self {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Self::default(),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "settings unreadable; standalone");
                return Self::default();
            }
        };
        match serde_json::from_str::<Self>(&text) {
            Ok(saved) => Self {
                center_url: saved
                    .center_url
                    .filter(|url| parse_center_url(url.as_str()).is_ok()),
                pins: saved.pins,
            },
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "settings invalid; standalone");
                Self::default()
            }
        }
    }

    /// Writes the file whole (a temporary file renamed over it), creating the folder.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(fail)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())? + "\n";
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, text).map_err(fail)?;
        std::fs::rename(&partial, path).map_err(fail)
    }
}

/// Where the start-up choice came from (for the log and the menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Argument,
    Environment,
    Settings,
    Default,
}

/// The decision at start.
#[derive(Debug, Clone, PartialEq)]
pub struct Start {
    pub center: Option<Url>,
    pub source: Source,
}

/// Reads `--center URL` / `--center=URL` and `--standalone` from the command line; a bad URL
/// is an error for the user, not a silent fallback.
pub fn decide(
    args: &[String],
    environment: Option<String>,
    saved: &Saved,
) -> Result<Start, String> {
    let mut argument = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--standalone" {
            return Ok(Start {
                center: None,
                source: Source::Argument,
            });
        } else if arg == "--center" {
            argument = Some(iter.next().cloned().unwrap_or_default());
        } else if let Some(value) = arg.strip_prefix("--center=") {
            argument = Some(value.to_owned());
        }
    }
    let checked = |given: &str, from: &str| {
        parse_center_url(given).map_err(|e| {
            format!(
                "{from} 不是有效的中心服务器地址（须为 http:// 或 https:// 开头的完整地址）/ \
                 {from} is not a valid center URL: {e}"
            )
        })
    };
    if let Some(given) = argument {
        return Ok(Start {
            center: Some(checked(&given, "--center")?),
            source: Source::Argument,
        });
    }
    if let Some(given) = environment.filter(|v| !v.trim().is_empty()) {
        return Ok(Start {
            center: Some(checked(&given, "BINHE_CENTER_URL")?),
            source: Source::Environment,
        });
    }
    Ok(match &saved.center_url {
        Some(url) => Start {
            center: Some(url.clone()),
            source: Source::Settings,
        },
        None => Start {
            center: None,
            source: Source::Default,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn saved(url: &str) -> Saved {
        Saved {
            center_url: Some(url.parse().unwrap()),
            ..Saved::default()
        }
    }

    #[test]
    fn argument_beats_environment_beats_settings_beats_standalone() {
        let s = saved("http://saved:8080/");
        let env = Some("http://env:8080/".to_owned());
        let start = decide(&args(&["--center", "http://arg:8080/"]), env.clone(), &s).unwrap();
        assert_eq!(start.center.unwrap().as_str(), "http://arg:8080/");
        assert_eq!(start.source, Source::Argument);
        let start = decide(&args(&["--center=http://arg2/"]), env.clone(), &s).unwrap();
        assert_eq!(start.center.unwrap().as_str(), "http://arg2/");
        let start = decide(&[], env, &s).unwrap();
        assert_eq!(start.center.unwrap().as_str(), "http://env:8080/");
        assert_eq!(start.source, Source::Environment);
        let start = decide(&[], Some(" ".to_owned()), &s).unwrap();
        assert_eq!(start.source, Source::Settings);
        let start = decide(&[], None, &Saved::default()).unwrap();
        assert_eq!(
            start,
            Start {
                center: None,
                source: Source::Default
            }
        );
        let start = decide(&args(&["--standalone"]), None, &s).unwrap();
        assert_eq!(start.center, None);
    }

    #[test]
    fn a_bad_url_is_an_error_not_a_fallback() {
        assert!(decide(&args(&["--center", "center:8080"]), None, &Saved::default()).is_err());
        assert!(decide(&args(&["--center"]), None, &Saved::default()).is_err());
        assert!(decide(&[], Some("ftp://x/".to_owned()), &Saved::default()).is_err());
    }

    #[test]
    fn settings_round_trip_and_survive_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("smart-binhe/desktop.json");
        assert_eq!(Saved::load(&path), Saved::default());
        let mut pinned = saved("https://center:8443/");
        pinned
            .pins
            .insert("center:8443".to_owned(), "SHA256:AB:CD".to_owned());
        pinned.save(&path).unwrap();
        assert_eq!(Saved::load(&path), pinned);
        // A file written before pins existed still reads.
        std::fs::write(&path, r#"{"center_url": "http://center:8080/"}"#).unwrap();
        assert_eq!(Saved::load(&path), saved("http://center:8080/"));
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(Saved::load(&path), Saved::default());
        std::fs::write(&path, r#"{"center_url": "file:///etc/passwd"}"#).unwrap();
        assert_eq!(Saved::load(&path), Saved::default());
    }
}
