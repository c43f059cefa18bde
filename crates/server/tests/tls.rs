//! A center speaks HTTPS: `binhe-server serve --center` makes a certificate for itself on its
//! first start, keeps it, prints its fingerprint; a terminal that pins the fingerprint gets
//! through, one pinning another certificate does not, plain HTTP gets no answer; answers carry
//! HSTS and the session cookie is Secure. `--tls-cert/--tls-key` serve the operator's own;
//! `--insecure-http` serves plain HTTP with a warning.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use binhe_server::Database;
use binhe_server::tls::{PinnedCenter, Tls, fingerprint};
use common::center::{PASSWORD, make_accounts};
use common::crash::ServerProcess;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A `binhe-server serve --center` process on the SQLite file `database`, killed when dropped.
async fn center(database: &Path, extra: &[&str]) -> ServerProcess {
    let extra: Vec<&str> = ["--center"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    ServerProcess::start(database.to_str().unwrap(), &extra).await
}

/// One HTTP/1.1 exchange over TLS, the center's certificate checked against `pin`: the raw
/// answer, or the handshake's error.
async fn over_tls(port: u16, pin: &str, request: &str) -> std::io::Result<String> {
    let check = PinnedCenter::new(Some(pin));
    let connector = tokio_rustls::TlsConnector::from(Arc::new(check.client_config()));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await?;
    Ok(answer)
}

fn get(path: &str, port: u16) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
}

#[tokio::test]
async fn a_center_serves_https_with_the_certificate_it_made_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("center.sqlite");
    make_accounts(&Database::Sqlite(database.clone())).await;
    let first = center(&database, &[]).await;
    assert_eq!(first.url.scheme(), "https");
    let pin = first
        .fingerprint
        .clone()
        .expect("the fingerprint is printed");
    let cert = std::fs::read(dir.path().join("center-cert.pem")).unwrap();
    let made = Tls::from_files(
        &dir.path().join("center-cert.pem"),
        &dir.path().join("center-key.pem"),
    )
    .unwrap();
    assert_eq!(
        made.fingerprint, pin,
        "the printed fingerprint is the kept file's"
    );
    assert!(!cert.is_empty());
    assert!(first.stderr().contains(&pin), "the operator reads it too");

    // The pinned terminal gets through; the answer tells browsers to stay on HTTPS.
    let answer = over_tls(first.port(), &pin, &get("/api/health", first.port()))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );

    // The session cookie never travels over plain HTTP.
    let body = format!(r#"{{"login":"disp","password":"{PASSWORD}","terminal":"t"}}"#);
    let login = format!(
        "POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len(),
        port = first.port()
    );
    let answer = over_tls(first.port(), &pin, &login).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let cookie = answer
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: binhe_session=")
        })
        .expect("a session cookie");
    assert!(cookie.ends_with("; Secure"), "{cookie}");

    // Another certificate's pin is refused in the handshake: no request goes out.
    let other = fingerprint(b"another certificate");
    let refused = over_tls(first.port(), &other, &get("/api/health", first.port())).await;
    assert!(refused.is_err(), "{refused:?}");

    // Plain HTTP on the same port gets no HTTP answer.
    let mut plain = TcpStream::connect(("127.0.0.1", first.port()))
        .await
        .unwrap();
    plain
        .write_all(get("/api/health", first.port()).as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(15), plain.read_to_end(&mut answer)).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "plain HTTP is not served"
    );

    // What a terminal sees before it trusts anything: the same certificate.
    let presented = binhe_server::tls::presented_certificate("127.0.0.1", first.port())
        .await
        .unwrap();
    assert_eq!(fingerprint(&presented), pin);
    drop(first);

    // The next start keeps the certificate.
    let again = center(&database, &[]).await;
    assert_eq!(again.fingerprint.as_deref(), Some(pin.as_str()));
}

#[tokio::test]
async fn the_operators_certificate_is_served_and_plain_http_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("own");
    let theirs = Tls::self_signed(&own, &["center.binhe.example".to_owned()]).unwrap();
    let (cert, key) = (own.join("center-cert.pem"), own.join("center-key.pem"));
    let database = dir.path().join("center.sqlite");
    let served = center(
        &database,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        served.fingerprint.as_deref(),
        Some(theirs.fingerprint.as_str())
    );
    let answer = over_tls(
        served.port(),
        &theirs.fingerprint,
        &get("/api/health", served.port()),
    )
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !dir.path().join("center-cert.pem").exists(),
        "no certificate of its own is made"
    );
    drop(served);

    let plain = center(&database, &["--insecure-http"]).await;
    assert_eq!(plain.url.scheme(), "http");
    assert_eq!(plain.fingerprint, None);
    let answer = reqwest::get(plain.url.join("api/health").unwrap())
        .await
        .unwrap();
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    assert!(!answer.headers().contains_key("strict-transport-security"));
    assert!(plain.says("明文 HTTP").await, "{}", plain.stderr());
}

#[test]
fn a_certificate_file_that_is_none_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("cert.pem");
    std::fs::write(&junk, "nothing").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_binhe-server"))
        .args(["serve", "--center", "--db"])
        .arg(dir.path().join("db.sqlite"))
        .arg("--tls-cert")
        .arg(&junk)
        .arg("--tls-key")
        .arg(&junk)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("HTTPS 证书不可用") && said.contains("cert.pem"),
        "{said}"
    );
}
