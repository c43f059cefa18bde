//! Trust on first use for a center's HTTPS certificate. A center makes its own certificate (no
//! authority vouches for it) and prints its fingerprint; the first time a terminal connects, the
//! person compares the fingerprint the shell shows with the one the center's operator gives them
//! and trusts it, and the shell keeps it (`desktop.json` `pins`). Afterwards only that
//! certificate is accepted from that center: another one stops the window with a warning (a
//! replaced certificate, or someone in between).

use std::collections::BTreeMap;

use binhe_server::tls::{fingerprint, pem, presented_certificate};
use url::Url;

/// What checking a center's certificate found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Plain HTTP: nothing to check.
    Plain,
    /// The pinned certificate: the window may open the center once WebKit accepts it.
    Pinned { host: String, pem: String },
    /// Never trusted before: the person decides, seeing `fingerprint`.
    FirstUse { fingerprint: String },
    /// Another certificate than the pinned one.
    Changed { pinned: String, presented: String },
    /// No TLS handshake came about.
    Failed(String),
}

/// The key of a center in `pins`: `host:port`.
pub fn pin_key(center: &Url) -> String {
    format!(
        "{}:{}",
        center.host_str().unwrap_or_default(),
        center.port_or_known_default().unwrap_or(443)
    )
}

/// Checks the certificate `center` presents against `pins` (blocking: a handshake).
pub fn check(center: &Url, pins: &BTreeMap<String, String>) -> Trust {
    if center.scheme() != "https" {
        return Trust::Plain;
    }
    let host = center.host_str().unwrap_or_default().to_owned();
    let port = center.port_or_known_default().unwrap_or(443);
    let presented = match tauri::async_runtime::block_on(presented_certificate(&host, port)) {
        Ok(der) => der,
        Err(error) => {
            return Trust::Failed(format!(
                "无法与中心建立加密连接 / No TLS connection to the center: {error}"
            ));
        }
    };
    let presented_print = fingerprint(&presented);
    match pins.get(&pin_key(center)) {
        Some(pinned) if *pinned == presented_print => Trust::Pinned {
            host: host.trim_matches(['[', ']']).to_owned(),
            pem: pem(&presented),
        },
        Some(pinned) => Trust::Changed {
            pinned: pinned.clone(),
            presented: presented_print,
        },
        None => Trust::FirstUse {
            fingerprint: presented_print,
        },
    }
}

/// Has the window's WebKit accept `pem` from `host` (for this run of the app).
pub fn allow(window: &tauri::WebviewWindow, host: String, pem: String) -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        use webkit2gtk::{WebContextExt, WebViewExt};
        window
            .with_webview(move |webview| {
                let Some(context) = webview.inner().context() else {
                    tracing::error!("the webview has no context to trust a certificate in");
                    return;
                };
                match gio::TlsCertificate::from_pem(&pem) {
                    Ok(certificate) => context.allow_tls_certificate_for_host(&certificate, &host),
                    Err(error) => tracing::error!(%error, "the pinned certificate does not read"),
                }
            })
            .map_err(|e| e.to_string())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (window, host, pem);
        Err(
            "此平台不支持自签名证书 / self-signed centers are not supported on this platform"
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_needs_no_check_and_pins_are_keyed_by_host_and_port() {
        let plain: Url = "http://center:8080/".parse().unwrap();
        assert_eq!(check(&plain, &BTreeMap::new()), Trust::Plain);
        let tls: Url = "https://center.binhe.example/".parse().unwrap();
        assert_eq!(pin_key(&tls), "center.binhe.example:443");
        let port: Url = "https://10.0.0.5:8443/".parse().unwrap();
        assert_eq!(pin_key(&port), "10.0.0.5:8443");
    }
}
