//! How a terminal decides to trust a center's HTTPS certificate.
//!
//! First the chain the center presents is verified, with the name the terminal reached it by,
//! against the authorities this computer trusts (`rustls-platform-verifier`: the operating
//! system's own verifier on Windows and macOS, the system's CA store read by
//! `rustls-native-certs` — which honours `SSL_CERT_FILE`/`SSL_CERT_DIR` — on Linux). A center
//! whose operator gave it a certificate from such an authority (`--tls-cert/--tls-key`, e.g. the
//! district's CA) opens straight away: no question, no pin, and a pin kept from before (the
//! center used a certificate of its own then) is dropped.
//!
//! Otherwise, trust on first use. A center makes its own certificate (no authority vouches for
//! it) and prints its fingerprint; the first time a terminal connects, the person compares the
//! fingerprint the shell shows with the one the center's operator gives them and trusts it, and
//! the shell keeps it (`desktop.json` `pins`). Afterwards only that certificate is accepted from
//! that center: another one stops the window with a warning (a replaced certificate, or someone
//! in between).

use std::collections::BTreeMap;
use std::sync::Arc;

use binhe_server::tls::{Presented, examine_center, fingerprint, pem};
use rustls::client::danger::ServerCertVerifier;
use url::Url;

/// What checking a center's certificate found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Plain HTTP: nothing to check.
    Plain,
    /// The chain and the name verify against the authorities this computer trusts: the window
    /// opens the center without asking. `stale_pin`: a certificate pinned for this center
    /// before, no longer needed (dropped).
    Verified {
        host: String,
        pem: String,
        stale_pin: bool,
    },
    /// The pinned certificate: the window may open the center once WebKit accepts it.
    Pinned { host: String, pem: String },
    /// Never trusted before: the person decides, seeing `fingerprint` and why no authority
    /// this computer trusts vouches for it.
    FirstUse { fingerprint: String, why: Unvouched },
    /// Another certificate than the pinned one.
    Changed { pinned: String, presented: String },
    /// No TLS handshake came about.
    Failed(String),
}

/// Why a certificate goes through trust on first use: the trust page says it, for a
/// certificate of another host is a warning sign where one the center made itself is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unvouched {
    /// No authority this computer trusts signed it (the center's own certificate, an
    /// authority not installed here, or a chain sent without its intermediate).
    NoAuthority,
    /// A trusted authority signed it, but for another name than the one the terminal used.
    WrongHost,
    /// It is out of its validity period.
    Expired,
    /// Anything else the verifier refused.
    Other,
}

impl Unvouched {
    fn of(error: Option<&rustls::Error>) -> Self {
        use rustls::CertificateError as E;
        match error {
            None => Self::NoAuthority,
            Some(rustls::Error::InvalidCertificate(e)) => match e {
                E::NotValidForName | E::NotValidForNameContext { .. } => Self::WrongHost,
                E::Expired
                | E::ExpiredContext { .. }
                | E::NotValidYet
                | E::NotValidYetContext { .. } => Self::Expired,
                E::UnknownIssuer | E::BadSignature => Self::NoAuthority,
                _ => Self::Other,
            },
            Some(_) => Self::Other,
        }
    }

    /// The word the trust page reads (`connect.html`'s `why`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoAuthority => "no_authority",
            Self::WrongHost => "wrong_host",
            Self::Expired => "expired",
            Self::Other => "other",
        }
    }
}

/// The key of a center in `pins`: `host:port`.
pub fn pin_key(center: &Url) -> String {
    format!(
        "{}:{}",
        center.host_str().unwrap_or_default(),
        center.port_or_known_default().unwrap_or(443)
    )
}

/// The verifier of this computer's trusted authorities, made anew for each check so that an
/// authority installed meanwhile counts. `None` (logged) if the system has none to offer: then
/// every center goes through trust on first use.
fn system_verifier() -> Option<Arc<dyn ServerCertVerifier>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match rustls_platform_verifier::Verifier::new(provider) {
        Ok(verifier) => Some(Arc::new(verifier)),
        Err(error) => {
            tracing::warn!(%error, "no trusted authorities on this computer: trust on first use only");
            None
        }
    }
}

/// Checks the certificate `center` presents against this computer's trusted authorities, then
/// against `pins` (blocking: a handshake).
pub fn check(center: &Url, pins: &BTreeMap<String, String>) -> Trust {
    if center.scheme() != "https" {
        return Trust::Plain;
    }
    tauri::async_runtime::block_on(examine(center, pins, system_verifier()))
}

/// [`check`] with `judge` as the trusted authorities.
async fn examine(
    center: &Url,
    pins: &BTreeMap<String, String>,
    judge: Option<Arc<dyn ServerCertVerifier>>,
) -> Trust {
    if center.scheme() != "https" {
        return Trust::Plain;
    }
    let host = center.host_str().unwrap_or_default().to_owned();
    let port = center.port_or_known_default().unwrap_or(443);
    match examine_center(&host, port, judge).await {
        Ok(presented) => decide(
            center,
            &presented,
            pins.get(&pin_key(center)).map(String::as_str),
        ),
        Err(error) => Trust::Failed(format!(
            "无法与中心建立加密连接 / No TLS connection to the center: {error}"
        )),
    }
}

/// The decision, once the center has presented its certificate: verified by a trusted
/// authority beats any pin; else the pin (if any) must match.
fn decide(center: &Url, presented: &Presented, pin: Option<&str>) -> Trust {
    let host = center
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let presented_print = fingerprint(&presented.certificate);
    let refusal = match &presented.verdict {
        Some(Ok(())) => {
            return Trust::Verified {
                host,
                pem: pem(&presented.certificate),
                stale_pin: pin.is_some(),
            };
        }
        Some(Err(error)) => {
            tracing::info!(%center, %error, "the certificate is not vouched for by an authority this computer trusts");
            Some(error)
        }
        None => None,
    };
    match pin {
        Some(pinned) if pinned == presented_print => Trust::Pinned {
            host,
            pem: pem(&presented.certificate),
        },
        Some(pinned) => Trust::Changed {
            pinned: pinned.to_owned(),
            presented: presented_print,
        },
        None => Trust::FirstUse {
            fingerprint: presented_print,
            why: Unvouched::of(refusal),
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

/// Has the window accept `pem` from `host`, a certificate rustls verified against this
/// computer's authorities. On Linux WebKitGTK verifies with glib-networking's own trust
/// database, which need not hold what rustls read (`SSL_CERT_FILE`, a CA store of another
/// distribution's layout): exactly this certificate is allowed for this host, as a pinned one
/// is. Elsewhere the webview asks the same system verifier rustls did: nothing to do.
pub fn allow_verified(
    window: &tauri::WebviewWindow,
    host: String,
    pem: String,
) -> Result<(), String> {
    if cfg!(target_os = "linux") {
        allow(window, host, pem)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use binhe_server::tls::{Tls, TlsListener};
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    #[test]
    fn plain_http_needs_no_check_and_pins_are_keyed_by_host_and_port() {
        let plain: Url = "http://center:8080/".parse().unwrap();
        assert_eq!(check(&plain, &BTreeMap::new()), Trust::Plain);
        let tls: Url = "https://center.binhe.example/".parse().unwrap();
        assert_eq!(pin_key(&tls), "center.binhe.example:443");
        let port: Url = "https://10.0.0.5:8443/".parse().unwrap();
        assert_eq!(pin_key(&port), "10.0.0.5:8443");
    }

    /// An authority (a district's CA, or an intermediate one of it).
    struct Authority {
        cert: rcgen::Certificate,
        key: KeyPair,
    }

    impl Authority {
        fn root(name: &str) -> Self {
            Self::make(name, None)
        }

        fn intermediate(&self, name: &str) -> Self {
            Self::make(name, Some(self))
        }

        fn make(name: &str, issuer: Option<&Authority>) -> Self {
            let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.distinguished_name.push(DnType::CommonName, name);
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            let key = KeyPair::generate().unwrap();
            let cert = match issuer {
                Some(issuer) => params.signed_by(&key, &issuer.cert, &issuer.key).unwrap(),
                None => params.self_signed(&key).unwrap(),
            };
            Self { cert, key }
        }

        /// A server certificate for `names` (`expired`: valid only until last year), with
        /// `chain` sent after it.
        fn issue(&self, names: &[&str], expired: bool, chain: &[&Authority]) -> Served {
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let mut params = CertificateParams::new(names).unwrap();
            params
                .distinguished_name
                .push(DnType::CommonName, "智慧滨河指挥中心 test center");
            params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
            if expired {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2021, 1, 1);
            }
            let key = KeyPair::generate().unwrap();
            let leaf = params.signed_by(&key, &self.cert, &self.key).unwrap();
            let mut pem_text = leaf.pem();
            for authority in chain {
                pem_text.push_str(&authority.cert.pem());
            }
            Served::start(&pem_text, &key.serialize_pem(), leaf.der().to_vec())
        }
    }

    /// A TLS listener on loopback presenting one certificate chain (handshakes only).
    struct Served {
        _listener: TlsListener,
        port: u16,
        leaf: Vec<u8>,
        _files: tempfile::TempDir,
    }

    impl Served {
        fn start(chain_pem: &str, key_pem: &str, leaf: Vec<u8>) -> Self {
            let files = tempfile::tempdir().unwrap();
            let (cert, key) = (files.path().join("cert.pem"), files.path().join("key.pem"));
            std::fs::write(&cert, chain_pem).unwrap();
            std::fs::write(&key, key_pem).unwrap();
            Self::serve(&Tls::from_files(&cert, &key).unwrap(), leaf, files)
        }

        fn serve(tls: &Tls, leaf: Vec<u8>, files: tempfile::TempDir) -> Self {
            let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            std_listener.set_nonblocking(true).unwrap();
            let port = std_listener.local_addr().unwrap().port();
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            Self {
                _listener: TlsListener::new(listener, tls).unwrap(),
                port,
                leaf,
                _files: files,
            }
        }

        fn url(&self, host: &str) -> Url {
            format!("https://{host}:{}/", self.port).parse().unwrap()
        }

        fn fingerprint(&self) -> String {
            fingerprint(&self.leaf)
        }
    }

    /// This computer's authorities plus `authority` (as if the district's CA were installed).
    fn trusting(authority: &Authority) -> Arc<dyn ServerCertVerifier> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
            [authority.cert.der().clone()],
            provider,
        )
        .unwrap();
        Arc::new(verifier)
    }

    fn pinned(center: &Url, fingerprint: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(pin_key(center), fingerprint.to_owned())])
    }

    #[tokio::test]
    async fn a_certificate_from_a_trusted_authority_opens_without_a_question_and_replaces_a_pin() {
        let district = Authority::root("滨河区 test CA");
        let center = district.issue(&["127.0.0.1", "localhost"], false, &[]);
        for host in ["127.0.0.1", "localhost"] {
            let url = center.url(host);
            let found = examine(&url, &BTreeMap::new(), Some(trusting(&district))).await;
            let Trust::Verified {
                host: seen,
                pem: presented,
                stale_pin,
            } = found.clone()
            else {
                panic!("{host}: not verified: {found:?}");
            };
            assert_eq!(seen, host);
            assert!(!stale_pin);
            // Exactly the certificate presented is what the webview is told to accept.
            assert_eq!(presented, pem(&center.leaf));

            // A pin from the days of a certificate of its own (whichever): verified wins, and
            // the pin is to be dropped.
            for old in [
                center.fingerprint(),
                format!("SHA256:{}", ["00"; 32].join(":")),
            ] {
                let found = examine(&url, &pinned(&url, &old), Some(trusting(&district))).await;
                assert!(
                    matches!(
                        found,
                        Trust::Verified {
                            stale_pin: true,
                            ..
                        }
                    ),
                    "{found:?}"
                );
            }
        }

        // The same certificate without the authority installed: trust on first use, as before.
        let url = center.url("127.0.0.1");
        let found = examine(&url, &BTreeMap::new(), None).await;
        assert_eq!(
            found,
            Trust::FirstUse {
                fingerprint: center.fingerprint(),
                why: Unvouched::NoAuthority,
            }
        );
        let found = examine(
            &url,
            &BTreeMap::new(),
            Some(trusting(&Authority::root("another CA"))),
        )
        .await;
        assert_eq!(
            found,
            Trust::FirstUse {
                fingerprint: center.fingerprint(),
                why: Unvouched::NoAuthority,
            },
            "a CA the computer does not trust vouches for nothing"
        );
        let found = examine(&url, &pinned(&url, &center.fingerprint()), None).await;
        assert!(matches!(found, Trust::Pinned { .. }), "{found:?}");
    }

    #[tokio::test]
    async fn the_whole_chain_and_the_host_name_must_verify() {
        let district = Authority::root("滨河区 test CA");
        let issuing = district.intermediate("滨河区 issuing CA");

        // Leaf + intermediate sent, root installed: verified.
        let full = issuing.issue(&["127.0.0.1"], false, &[&issuing]);
        let found = examine(
            &full.url("127.0.0.1"),
            &BTreeMap::new(),
            Some(trusting(&district)),
        )
        .await;
        assert!(matches!(found, Trust::Verified { .. }), "{found:?}");

        // Each of these goes through trust on first use (or the pin), never opened silently.
        let missing_intermediate = issuing.issue(&["127.0.0.1"], false, &[]);
        let wrong_host = district.issue(&["wrong-host.binhe.example"], false, &[]);
        let expired = district.issue(&["127.0.0.1"], true, &[]);
        let own_folder = tempfile::tempdir().unwrap();
        let own = Tls::self_signed(own_folder.path(), &["127.0.0.1".to_owned()]).unwrap();
        let own_leaf = CertificateDer::from_pem_file(
            own_folder.path().join(binhe_server::tls::SELF_SIGNED_CERT),
        )
        .unwrap()
        .to_vec();
        let self_signed = Served::serve(&own, own_leaf, own_folder);
        for (what, served, why) in [
            (
                "intermediate not sent",
                &missing_intermediate,
                Unvouched::NoAuthority,
            ),
            (
                "certificate for another host",
                &wrong_host,
                Unvouched::WrongHost,
            ),
            ("expired", &expired, Unvouched::Expired),
            (
                "the center's own certificate",
                &self_signed,
                Unvouched::NoAuthority,
            ),
        ] {
            let url = served.url("127.0.0.1");
            let found = examine(&url, &BTreeMap::new(), Some(trusting(&district))).await;
            assert_eq!(
                found,
                Trust::FirstUse {
                    fingerprint: served.fingerprint(),
                    why,
                },
                "{what}"
            );
            let found = examine(
                &url,
                &pinned(&url, &served.fingerprint()),
                Some(trusting(&district)),
            )
            .await;
            assert!(matches!(found, Trust::Pinned { .. }), "{what}: {found:?}");
            let other = format!("SHA256:{}", ["00"; 32].join(":"));
            let found = examine(&url, &pinned(&url, &other), Some(trusting(&district))).await;
            assert_eq!(
                found,
                Trust::Changed {
                    pinned: other,
                    presented: served.fingerprint()
                },
                "{what}"
            );
        }
        // Nor under another name of the same computer.
        let url = wrong_host.url("localhost");
        assert!(matches!(
            examine(&url, &BTreeMap::new(), Some(trusting(&district))).await,
            Trust::FirstUse {
                why: Unvouched::WrongHost,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn a_center_that_does_not_answer_tls_fails_clearly() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url: Url = format!("https://127.0.0.1:{port}/").parse().unwrap();
        let found = examine(&url, &BTreeMap::new(), None).await;
        assert!(
            matches!(&found, Trust::Failed(detail) if detail.contains("无法与中心建立加密连接")),
            "{found:?}"
        );
    }
}
