//! SSL_GET's TLS context from the global `SSL { ca certificate key password }` block, built
//! once per configuration load (keepalived builds one SSL_CTX for all its SSL_GET checkers).
//!
//! keepalived loads `ca` into the context's store but sets no verify mode, so no server is
//! ever checked against it; OpenSSL still uses that store to complete the chain it sends after
//! a lone client certificate. We do both: the CA file must load, and its issuers of a lone
//! certificate follow it. A file keepalived cannot load makes it stop (fatal exit of the
//! checker process); we log the file and field instead and every SSL_GET check fails.

use std::sync::Arc;

use log::{error, warn};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ClientConfig;

use crate::config::checker::CheckerKind;
use crate::config::lvs::SslConfig;
use crate::config::Config;

/// The TLS client configuration SSL_GET checkers share.
#[derive(Clone, Debug, Default)]
pub enum TlsContext {
    /// No `SSL` block (or an empty one): no client certificate.
    #[default]
    Plain,
    Client(Arc<ClientConfig>),
    /// The `SSL` block did not load (logged): every check fails.
    Broken,
}

impl TlsContext {
    /// The context for `cfg`'s SSL_GET checkers; Plain when it has none (as keepalived, the
    /// `SSL` block's files are read only when some checker needs them).
    pub fn for_config(cfg: &Config) -> TlsContext {
        let needed = cfg.lvs.virtual_servers.iter().any(|vs| {
            vs.real_servers.iter().any(|rs| {
                rs.checkers
                    .iter()
                    .any(|c| matches!(c.kind, CheckerKind::Ssl(_)))
            })
        });
        match cfg.lvs.ssl.as_ref() {
            Some(ssl) if needed => Self::from_block(ssl),
            _ => TlsContext::Plain,
        }
    }

    /// Builds the context of an `SSL` block, logging why it cannot.
    pub fn from_block(ssl: &SslConfig) -> TlsContext {
        match build(ssl) {
            Ok(Some(c)) => TlsContext::Client(c),
            Ok(None) => TlsContext::Plain,
            Err(e) => {
                error!("SSL error: {e}");
                error!("SSL_GET checks fail until the SSL block loads");
                TlsContext::Broken
            }
        }
    }
}

/// The client configuration of an `SSL` block; None: it asks for nothing beyond the default.
/// Errors name the field and the file.
pub fn build(ssl: &SslConfig) -> Result<Option<Arc<ClientConfig>>, String> {
    // keepalived's order: the first file that does not load is the one reported.
    let chain = match ssl.certificate.as_deref() {
        Some(path) => certs("certificate", path)?,
        None => Vec::new(),
    };
    let key = match ssl.key.as_deref() {
        Some(path) => Some(key(path, ssl.password.is_some())?),
        None => None,
    };
    let ca = match ssl.ca.as_deref() {
        Some(path) => certs("ca", path)?,
        None => Vec::new(),
    };
    let builder = super::ssl::builder().map_err(|e| format!("TLS setup: {e}"))?;
    let config = match (chain.is_empty(), key) {
        (false, Some(key)) => {
            let chain = complete_chain(chain, &ca);
            let cert = ssl.certificate.as_deref().unwrap_or_default();
            let path = ssl.key.as_deref().unwrap_or_default();
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("key {path} with certificate {cert}: {e}"))?
        }
        (true, None) => return Ok(None),
        (true, Some(_)) => {
            warn!("SSL block: key without certificate: no client certificate is sent");
            return Ok(None);
        }
        (false, None) => {
            warn!("SSL block: certificate without key: no client certificate is sent");
            return Ok(None);
        }
    };
    Ok(Some(Arc::new(config)))
}

fn read(field: &str, path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{field} {path}: {e}"))
}

/// The certificates of a PEM file, in order; at least one.
fn certs(field: &str, path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = read(field, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, pem::Error>>()
        .map_err(|e| format!("{field} {path}: bad PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{field} {path}: no PEM CERTIFICATE in it"));
    }
    Ok(certs)
}

/// The private key of a PEM file. Encrypted keys are refused: decrypting them (`password`)
/// needs PKCS#8/PBES2 and legacy OpenSSL ciphers, more code than this daemon should carry.
fn key(path: &str, password: bool) -> Result<PrivateKeyDer<'static>, String> {
    let pem = read("key", path)?;
    if encrypted(&pem) {
        let hint = if password {
            "decrypting keys with password is not supported"
        } else {
            "and no password is set (and decrypting keys is not supported anyway)"
        };
        return Err(format!(
            "key {path} is encrypted; {hint}: store it decrypted (openssl pkey -in KEY -out PLAIN)"
        ));
    }
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        pem::Error::NoItemsFound => format!("key {path}: no PEM PRIVATE KEY in it"),
        e => format!("key {path}: bad PEM: {e}"),
    })
}

/// A PKCS#8 encrypted key, or a legacy OpenSSL one (a `Proc-Type: 4,ENCRYPTED` header).
fn encrypted(pem: &[u8]) -> bool {
    let has = |s: &[u8]| pem.windows(s.len()).any(|w| w == s);
    has(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") || has(b"Proc-Type: 4,ENCRYPTED")
}

/// A lone certificate gets its issuers from the CA file, up to a self-signed one (OpenSSL's
/// automatic chain); a file with its own chain is sent as it is.
fn complete_chain(
    mut chain: Vec<CertificateDer<'static>>,
    ca: &[CertificateDer<'static>],
) -> Vec<CertificateDer<'static>> {
    if chain.len() != 1 {
        return chain;
    }
    while chain.len() <= ca.len() {
        let Some((issuer, subject)) = chain.last().and_then(|c| names(c)) else {
            break;
        };
        if issuer == subject {
            break;
        }
        let next = ca
            .iter()
            .find(|c| names(c).is_some_and(|(_, s)| s == issuer) && !chain.contains(c));
        match next {
            Some(c) => chain.push(c.clone()),
            None => break,
        }
    }
    chain
}

/// One DER element: (tag, whole element, contents, what follows).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn tlv(b: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &d| (a << 8) | usize::from(d));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let head = b.len() - rest.len();
    Some((tag, &b[..head + len], &rest[..len], &rest[len..]))
}

/// A certificate's issuer and subject names, as encoded.
fn names<'a>(cert: &'a CertificateDer<'_>) -> Option<(&'a [u8], &'a [u8])> {
    const SEQUENCE: u8 = 0x30;
    let (SEQUENCE, _, cert, _) = tlv(cert.as_ref())? else {
        return None;
    };
    let (SEQUENCE, _, tbs, _) = tlv(cert)? else {
        return None;
    };
    let (tag, _, _, mut rest) = tlv(tbs)?;
    // version is [0] EXPLICIT and optional; the serial number follows it.
    if tag == 0xa0 {
        rest = tlv(rest)?.3;
    }
    let rest = tlv(rest)?.3; // signature algorithm
    let (_, issuer, _, rest) = tlv(rest)?;
    let rest = tlv(rest)?.3; // validity
    let (_, subject, _, _) = tlv(rest)?;
    Some((issuer, subject))
}

#[cfg(test)]
mod tests;
