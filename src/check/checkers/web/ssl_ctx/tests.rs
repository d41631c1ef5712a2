use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;

/// A fresh test PKI (testdata/make-test-pki.sh); None (SKIPPED) without openssl, a failure
/// with CI=true.
fn pki(name: &str) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("ka-sslctx-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check/checkers/testdata/make-test-pki.sh");
    let ok = Command::new("sh")
        .arg(&script)
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{} failed (openssl missing?)", script.display());
        }
        eprintln!(
            "\n*** SKIPPED: {} failed (openssl missing?) ***\n",
            script.display()
        );
        return None;
    }
    Some(dir)
}

fn block(dir: &Path, ca: Option<&str>, cert: Option<&str>, key: Option<&str>) -> SslConfig {
    let p = |f: Option<&str>| f.map(|f| dir.join(f).display().to_string());
    SslConfig {
        ca: p(ca),
        certificate: p(cert),
        key: p(key),
        ..SslConfig::default()
    }
}

fn err(ssl: &SslConfig) -> String {
    match build(ssl) {
        Err(e) => e,
        Ok(c) => panic!("{ssl:?} built: {}", c.is_some()),
    }
}

fn der(dir: &Path, file: &str) -> Vec<CertificateDer<'static>> {
    certs("test", &dir.join(file).display().to_string()).expect("test certificate")
}

#[test]
fn empty_block_is_the_default_context() {
    assert!(build(&SslConfig::default()).expect("builds").is_none());
}

#[test]
fn certificate_and_key_make_a_client_context() {
    let Some(d) = pki("client") else { return };
    let ssl = block(&d, None, Some("client.pem"), Some("client.key"));
    let c = build(&ssl).expect("builds").expect("a client context");
    assert!(c.client_auth_cert_resolver.has_certs());
    // SEC1 and PKCS#1 keys, as OpenSSL writes them with -traditional.
    for (cert, key, label) in [
        ("client.pem", "sec1.key", "EC PRIVATE KEY"),
        ("rsa.pem", "rsa.key", "RSA PRIVATE KEY"),
    ] {
        let text = std::fs::read_to_string(d.join(key)).expect("key");
        assert!(
            text.starts_with(&format!("-----BEGIN {label}-----")),
            "{text}"
        );
        let ssl = block(&d, None, Some(cert), Some(key));
        assert!(build(&ssl).expect(key).is_some());
    }
    // Only one of the two sends no certificate, as OpenSSL does.
    let ssl = block(&d, None, Some("client.pem"), None);
    assert!(build(&ssl).expect("builds").is_none());
    let ssl = block(&d, None, None, Some("client.key"));
    assert!(build(&ssl).expect("builds").is_none());
    // A password for a plain key is not needed and not in the way.
    let mut ssl = block(&d, Some("root.pem"), Some("client.pem"), Some("client.key"));
    ssl.password = Some("unused".into());
    assert!(build(&ssl).expect("builds").is_some());
}

#[test]
fn unreadable_or_wrong_files_name_the_field_and_file() {
    let Some(d) = pki("errors") else { return };
    let missing = d.join("missing.pem").display().to_string();
    let e = err(&block(&d, None, Some("missing.pem"), Some("client.key")));
    assert!(e.starts_with(&format!("certificate {missing}: ")), "{e}");
    let e = err(&block(
        &d,
        Some("missing.pem"),
        Some("client.pem"),
        Some("client.key"),
    ));
    assert!(e.starts_with(&format!("ca {missing}: ")), "{e}");
    let e = err(&block(&d, None, Some("client.pem"), Some("missing.pem")));
    assert!(e.starts_with(&format!("key {missing}: ")), "{e}");
    // The first of keepalived's order (certificate, key, ca) is the one named.
    let e = err(&block(
        &d,
        Some("missing.pem"),
        Some("client.pem"),
        Some("missing.pem"),
    ));
    assert!(e.starts_with("key "), "{e}");

    let key = d.join("client.key").display().to_string();
    let e = err(&block(&d, None, Some("client.key"), Some("client.key")));
    assert_eq!(e, format!("certificate {key}: no PEM CERTIFICATE in it"));
    let e = err(&block(
        &d,
        Some("client.key"),
        Some("client.pem"),
        Some("client.key"),
    ));
    assert_eq!(e, format!("ca {key}: no PEM CERTIFICATE in it"));
    let pem = d.join("client.pem").display().to_string();
    let e = err(&block(&d, None, Some("client.pem"), Some("client.pem")));
    assert_eq!(e, format!("key {pem}: no PEM PRIVATE KEY in it"));

    std::fs::write(d.join("cut.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n").expect("write");
    let e = err(&block(&d, None, Some("cut.pem"), Some("client.key")));
    assert!(e.contains("cut.pem: bad PEM"), "{e}");

    let other = d.join("other.key").display().to_string();
    let e = err(&block(&d, None, Some("client.pem"), Some("other.key")));
    assert!(
        e.starts_with(&format!("key {other} with certificate {pem}: ")),
        "{e}"
    );
}

#[test]
fn encrypted_keys_are_refused_naming_password() {
    let Some(d) = pki("encrypted") else { return };
    for file in ["enc.key", "legacy.key"] {
        let mut ssl = block(&d, None, Some("client.pem"), Some(file));
        ssl.password = Some("secret".into());
        let e = err(&ssl);
        let path = d.join(file).display().to_string();
        assert!(e.starts_with(&format!("key {path} is encrypted; ")), "{e}");
        assert!(e.contains("password is not supported"), "{e}");
        ssl.password = None;
        assert!(err(&ssl).contains("no password is set"));
    }
}

#[test]
fn broken_block_is_a_broken_context() {
    let d = std::env::temp_dir().join("ka-sslctx-nothing-here");
    let ssl = block(&d, None, Some("c.pem"), Some("k.pem"));
    assert!(matches!(TlsContext::from_block(&ssl), TlsContext::Broken));
}

#[test]
fn a_lone_certificate_gets_its_issuers_from_the_ca_file() {
    let Some(d) = pki("chain") else { return };
    let (leaf, inter, root) = (
        der(&d, "leaf.pem"),
        der(&d, "inter.pem"),
        der(&d, "root.pem"),
    );
    let bundle = der(&d, "ca-bundle.pem");
    let want: Vec<_> = [&leaf[0], &inter[0], &root[0]]
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(complete_chain(leaf.clone(), &bundle), want);
    // Issuers in any order, unrelated ones left out.
    let mut mixed = der(&d, "client.pem");
    mixed.extend(root.iter().chain(&inter).cloned());
    assert_eq!(complete_chain(leaf.clone(), &mixed), want);
    // Without the intermediate the chain stops at the leaf.
    assert_eq!(complete_chain(leaf.clone(), &root), leaf);
    // A file with its own chain is sent as written.
    let two: Vec<_> = [&leaf[0], &root[0]].into_iter().cloned().collect();
    assert_eq!(complete_chain(two.clone(), &bundle), two);
    // A self-signed certificate needs nothing more.
    assert_eq!(complete_chain(root.clone(), &bundle), root);
}

#[test]
fn names_read_issuer_and_subject() {
    let Some(d) = pki("names") else { return };
    let leaf = der(&d, "leaf.pem");
    let inter = der(&d, "inter.pem");
    let (issuer, subject) = names(&leaf[0]).expect("leaf names");
    assert_eq!(Some(issuer), names(&inter[0]).map(|n| n.1));
    assert!(subject.windows(9).any(|w| w == b"test-leaf"));
    assert!(names(&CertificateDer::from(vec![0x30, 0x03, 0x30, 0x01])).is_none());
    assert!(names(&CertificateDer::from(Vec::new())).is_none());
}
