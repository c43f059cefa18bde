//! HTTPS for a center server: the operator's certificate (`--tls-cert`/`--tls-key`), or one the
//! server makes for itself on its first start and keeps beside its data, whose SHA-256
//! fingerprint it prints so a terminal can be told what to trust on first use. TLS handshakes
//! run beside the accept loop, each with a time limit, so a client that opens a connection and
//! says nothing holds up nobody.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// File names of the certificate a center makes for itself.
pub const SELF_SIGNED_CERT: &str = "center-cert.pem";
pub const SELF_SIGNED_KEY: &str = "center-key.pem";
/// Longest a client may take over its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// How long a certificate the center makes for itself is valid.
const SELF_SIGNED_YEARS: i32 = 10;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} holds no PEM certificate")]
    NoCertificate { path: PathBuf },
    #[error("{path} holds no PEM private key")]
    NoKey { path: PathBuf },
    #[error("the certificate and key are not usable together: {0}")]
    Rejected(#[from] rustls::Error),
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the certificate came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The operator's files.
    Operator,
    /// Made by this center on its first start and kept in `folder`.
    SelfSigned { folder: PathBuf, made_now: bool },
}

/// A center's TLS: the rustls settings and what a terminal is told to trust.
#[derive(Debug, Clone)]
pub struct Tls {
    pub config: Arc<rustls::ServerConfig>,
    /// `SHA256:AB:CD:…` of the leaf certificate (DER), as browsers show it.
    pub fingerprint: String,
    pub source: Source,
}

impl Tls {
    /// The operator's certificate chain and private key (PEM files).
    pub fn from_files(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let certs = read_certificates(cert)?;
        let key = read_key(key)?;
        Self::new(certs, key, Source::Operator)
    }

    /// The certificate this center made for itself in `folder`, made now (for `names`, host
    /// names and addresses the terminals use) if there is none yet. The key file is readable by
    /// its owner only.
    pub fn self_signed(folder: &Path, names: &[String]) -> Result<Self, TlsError> {
        let cert_path = folder.join(SELF_SIGNED_CERT);
        let key_path = folder.join(SELF_SIGNED_KEY);
        let made_now = !cert_path.is_file() || !key_path.is_file();
        if made_now {
            std::fs::create_dir_all(folder).map_err(|source| TlsError::Write {
                path: folder.to_owned(),
                source,
            })?;
            let mut params = rcgen::CertificateParams::new(names.to_vec())?;
            let mut name = rcgen::DistinguishedName::new();
            name.push(
                rcgen::DnType::CommonName,
                "智慧滨河指挥中心 Smart Binhe center",
            );
            params.distinguished_name = name;
            let year = chrono::Datelike::year(&chrono::Utc::now());
            params.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
            params.not_after = rcgen::date_time_ymd(year + SELF_SIGNED_YEARS, 1, 1);
            let key = rcgen::KeyPair::generate()?;
            let cert = params.self_signed(&key)?;
            write_private(&key_path, key.serialize_pem().as_bytes())?;
            std::fs::write(&cert_path, cert.pem()).map_err(|source| TlsError::Write {
                path: cert_path.clone(),
                source,
            })?;
        }
        let certs = read_certificates(&cert_path)?;
        let key = read_key(&key_path)?;
        Self::new(
            certs,
            key,
            Source::SelfSigned {
                folder: folder.to_owned(),
                made_now,
            },
        )
    }

    fn new(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        source: Source,
    ) -> Result<Self, TlsError> {
        let fingerprint = fingerprint(&certs[0]);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(certs, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            fingerprint,
            source,
        })
    }
}

/// `SHA256:AB:CD:…` of a DER certificate.
pub fn fingerprint(der: &[u8]) -> String {
    let hex: Vec<String> = Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!("SHA256:{}", hex.join(":"))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| TlsError::NoKey {
        path: path.to_owned(),
    })
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut file| file.write_all(bytes))
        .map_err(|source| TlsError::Write {
            path: path.to_owned(),
            source,
        })
}

/// Middleware of a server under TLS: browsers are told to come back only over HTTPS (HSTS, one
/// year), and every cookie it sets is `Secure`, never sent over plain HTTP.
pub async fn harden(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|cookie| {
            let text = cookie.to_str().ok()?;
            if text.to_ascii_lowercase().contains("; secure") {
                Some(cookie.clone())
            } else {
                HeaderValue::from_str(&format!("{text}; Secure")).ok()
            }
        })
        .collect();
    if !cookies.is_empty() {
        headers.remove(header::SET_COOKIE);
        for cookie in cookies {
            headers.append(header::SET_COOKIE, cookie);
        }
    }
    response
}

/// Connections that finished their TLS handshake.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accepts on `listener` in the background until this is dropped.
    pub fn new(listener: TcpListener, tls: &Tls) -> std::io::Result<Self> {
        let local = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(Arc::clone(&tls.config));
        let (sender, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    () = sender.closed() => return,
                    accepted = listener.accept() => accepted,
                };
                let (tcp, address) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let sender = sender.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = sender.send((stream, address)).await;
                        }
                        Ok(Err(error)) => {
                            tracing::debug!(%error, %address, "TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%address, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { ready, local })
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // The accept loop ends only when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// What a terminal checks of a center: the certificate it presents, by fingerprint. With a pin,
/// only that certificate is accepted (whatever names it carries: a center made its own); without
/// one, any is, and [`PinnedCenter::presented`] says which (trust on first use — the person
/// compares it with the fingerprint the center printed). A `judge` (the desktop's: the system's
/// trusted authorities) is asked about the same chain and name on the way, and
/// [`PinnedCenter::verdict`] keeps its answer.
#[derive(Debug)]
pub struct PinnedCenter {
    pin: Option<String>,
    presented: std::sync::Mutex<Option<CertificateDer<'static>>>,
    judge: Option<Arc<dyn rustls::client::danger::ServerCertVerifier>>,
    verdict: std::sync::Mutex<Option<Result<(), rustls::Error>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl PinnedCenter {
    pub fn new(pin: Option<&str>) -> Arc<Self> {
        Self::judged(pin, None)
    }

    fn judged(
        pin: Option<&str>,
        judge: Option<Arc<dyn rustls::client::danger::ServerCertVerifier>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            pin: pin.map(str::to_owned),
            presented: std::sync::Mutex::new(None),
            judge,
            verdict: std::sync::Mutex::new(None),
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        })
    }

    /// What the judge said of the presented chain and name (once a handshake got that far and
    /// there is a judge).
    pub fn verdict(&self) -> Option<Result<(), rustls::Error>> {
        self.verdict
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The client settings checking against this.
    pub fn client_config(self: &Arc<Self>) -> rustls::ClientConfig {
        rustls::ClientConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::clone(self) as _)
            .with_no_client_auth()
    }

    /// The certificate the center presented (DER), once a handshake got that far.
    pub fn presented(&self) -> Option<CertificateDer<'static>> {
        self.presented
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl rustls::client::danger::ServerCertVerifier for PinnedCenter {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls_pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        *self
            .presented
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(end_entity.clone().into_owned());
        if let Some(judge) = &self.judge {
            let verdict = judge
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
                .map(|_| ());
            *self
                .verdict
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(verdict);
        }
        match &self.pin {
            Some(pin) if *pin != fingerprint(end_entity) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            )),
            _ => Ok(rustls::client::danger::ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The certificate a center at `host:port` presents (DER), whoever signed it: what a terminal
/// shows the person before trusting it the first time.
pub async fn presented_certificate(
    host: &str,
    port: u16,
) -> Result<CertificateDer<'static>, std::io::Error> {
    examine_center(host, port, None)
        .await
        .map(|presented| presented.certificate)
}

/// What a center presented in a handshake: its certificate, and what `judge` (if any) said of
/// the chain it sent and the name it was reached by.
#[derive(Debug)]
pub struct Presented {
    pub certificate: CertificateDer<'static>,
    /// `None` without a judge.
    pub verdict: Option<Result<(), rustls::Error>>,
}

/// The certificate a center at `host:port` presents, whoever signed it, and `judge`'s verdict
/// on its chain and name — the handshake goes through either way (nothing is sent over it).
pub async fn examine_center(
    host: &str,
    port: u16,
    judge: Option<Arc<dyn rustls::client::danger::ServerCertVerifier>>,
) -> Result<Presented, std::io::Error> {
    let check = PinnedCenter::judged(None, judge);
    let connector = tokio_rustls::TlsConnector::from(Arc::new(check.client_config()));
    let name = rustls_pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let tcp = tokio::time::timeout(
        HANDSHAKE,
        TcpStream::connect((host.trim_matches(['[', ']']), port)),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    let handshake = tokio::time::timeout(HANDSHAKE, connector.connect(name, tcp)).await;
    match handshake {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => return Err(error),
        Err(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "TLS handshake timed out",
            ));
        }
    }
    let certificate = check
        .presented()
        .ok_or_else(|| std::io::Error::other("the center presented no certificate"))?;
    Ok(Presented {
        certificate,
        verdict: check.verdict(),
    })
}

/// A DER certificate as PEM text.
pub fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let first = Tls::self_signed(dir.path(), &names).unwrap();
        assert!(matches!(
            first.source,
            Source::SelfSigned { made_now: true, .. }
        ));
        assert!(first.fingerprint.starts_with("SHA256:"));
        assert_eq!(first.fingerprint.len(), "SHA256:".len() + 32 * 3 - 1);
        let again = Tls::self_signed(dir.path(), &names).unwrap();
        assert!(matches!(
            again.source,
            Source::SelfSigned {
                made_now: false,
                ..
            }
        ));
        assert_eq!(again.fingerprint, first.fingerprint, "kept, not made anew");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SELF_SIGNED_KEY))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is its owner's only");
        }
    }

    #[test]
    fn files_that_are_no_certificate_or_key_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a pem file").unwrap();
        let made = Tls::self_signed(dir.path(), &["localhost".to_owned()]).unwrap();
        drop(made);
        let key = dir.path().join(SELF_SIGNED_KEY);
        let cert = dir.path().join(SELF_SIGNED_CERT);
        let error = Tls::from_files(&junk, &key).unwrap_err();
        assert!(matches!(error, TlsError::NoCertificate { .. }), "{error}");
        assert!(error.to_string().contains("junk.pem"));
        let error = Tls::from_files(&cert, &junk).unwrap_err();
        assert!(matches!(error, TlsError::NoKey { .. }), "{error}");
        assert!(Tls::from_files(&cert, &key).is_ok());
    }
}
