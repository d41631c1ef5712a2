//! SSL_GET: the HTTP_GET dialog inside TLS (rustls with the ring provider, TLS 1.2 and 1.3).
//!
//! Like keepalived, the server's certificate is not checked (keepalived sets no verify mode):
//! the check is whether the service answers, not who it is. The handshake's signatures are
//! still verified against the certificate's key, so the session is a real TLS session.
//! The client certificate comes from the global `SSL` block (see [`super::ssl_ctx`]).
//! SNI is sent only with `enable_sni`, naming the url's, checker's or virtual server's
//! virtualhost (keepalived leaves out the real server's here).
//!
//! Each check needs a new TLS session, and rustls allocates for one: this checker is the
//! exception to "no allocation per check".

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WantsClientCert;
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, ConfigBuilder, DigitallySignedStruct, SignatureScheme,
};

use super::http::HttpDialog;
use super::ssl_ctx::TlsContext;
use crate::check::checkers::{Dialog, Failure, Step, Verdict};
use crate::config::checker::HttpCheck;

/// Accepts any certificate; checks handshake signatures with the provider's algorithms.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A client configuration that accepts any server, still to be given its client certificate.
pub(super) fn builder() -> Result<ConfigBuilder<ClientConfig, WantsClientCert>, rustls::Error> {
    let provider = Arc::new(ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))))
}

/// The configuration without a client certificate, one for the whole process.
fn plain_config() -> Result<Arc<ClientConfig>, rustls::Error> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(c) = CONFIG.get() {
        return Ok(c.clone());
    }
    let c = builder()?.with_no_client_auth();
    Ok(CONFIG.get_or_init(|| Arc::new(c)).clone())
}

/// With `enable_sni`, the virtualhost keepalived would send; else None.
pub fn sni_name<'a>(
    enable_sni: bool,
    url_vhost: Option<&'a str>,
    checker_vhost: Option<&'a str>,
    vs_vhost: Option<&'a str>,
) -> Option<&'a str> {
    enable_sni
        .then(|| url_vhost.or(checker_vhost).or(vs_vhost))
        .flatten()
}

/// SNI carries a DNS name only: a virtualhost written with a port (it is a Host header too)
/// loses the port; one that is still no DNS name (an address) is sent as no SNI at all.
fn session_name(sni: Option<&str>, server: IpAddr) -> ServerName<'static> {
    sni.and_then(|s| {
        let host = match s.rsplit_once(':') {
            Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => s,
        };
        match ServerName::try_from(host.to_string()) {
            Ok(n @ ServerName::DnsName(_)) => Some(n),
            _ => None,
        }
    })
    .unwrap_or(ServerName::IpAddress(server.into()))
}

pub struct TlsDialog {
    /// None: the `SSL` block did not load; no session starts and the check fails.
    config: Option<Arc<ClientConfig>>,
    /// The session's name for each url: its SNI, or the server's address (no SNI).
    names: Vec<ServerName<'static>>,
    conn: Option<ClientConnection>,
    inner: HttpDialog,
    /// TLS records waiting to go out; refilled once sent.
    out: Vec<u8>,
    out_sent: usize,
    plain: Box<[u8]>,
    done: bool,
}

impl TlsDialog {
    /// `inner` is the HTTP dialog made from the same `cfg`; `vs_vhost` is the virtual
    /// server's virtualhost (for SNI; keepalived does not use the real server's there);
    /// `ctx` the `SSL` block's context: a broken one fails every check.
    pub fn new(
        inner: HttpDialog,
        cfg: &HttpCheck,
        vs_vhost: Option<&str>,
        server: IpAddr,
        ctx: &TlsContext,
    ) -> Result<Self, String> {
        let config = match ctx {
            TlsContext::Plain => Some(plain_config().map_err(|e| format!("TLS setup: {e}"))?),
            TlsContext::Client(c) => Some(c.clone()),
            TlsContext::Broken => None,
        };
        let names = cfg
            .urls
            .iter()
            .map(|u| {
                let sni = sni_name(
                    cfg.enable_sni,
                    u.virtualhost.as_deref(),
                    cfg.virtualhost.as_deref(),
                    vs_vhost,
                );
                session_name(sni, server)
            })
            .collect();
        let mut d = Self {
            config,
            names,
            conn: None,
            inner,
            out: Vec::with_capacity(2048),
            out_sent: 0,
            plain: vec![0; 4096].into_boxed_slice(),
            done: false,
        };
        d.reset();
        Ok(d)
    }

    pub fn inner(&self) -> &HttpDialog {
        &self.inner
    }

    pub fn inner_mut(&mut self) -> &mut HttpDialog {
        &mut self.inner
    }

    fn fail(&mut self) -> Step {
        self.done = true;
        self.out.clear();
        self.out_sent = 0;
        Step::Done(Verdict::Down(Failure::Handshake))
    }

    /// Moves the request into the session and the session's records into `out`.
    fn pump(&mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let req = self.inner.pending();
        if !req.is_empty() {
            // rustls holds plaintext until the handshake is done.
            if let Ok(n) = conn.writer().write(req) {
                self.inner.sent(n);
            }
        }
        if self.out_sent == self.out.len() {
            self.out.clear();
            self.out_sent = 0;
        }
        while conn.wants_write() {
            if conn.write_tls(&mut self.out).is_err() {
                break;
            }
        }
    }
}

impl Dialog for TlsDialog {
    fn reset(&mut self) {
        self.inner.reset();
        self.out.clear();
        self.out_sent = 0;
        self.done = false;
        let name = self.names.get(self.inner.selected()).cloned();
        let config = self.config.clone();
        self.conn = name
            .zip(config)
            .and_then(|(n, c)| ClientConnection::new(c, n).ok());
        // Without a session, whatever the server does next fails the check.
        self.pump();
    }

    fn pending(&self) -> &[u8] {
        &self.out[self.out_sent..]
    }

    fn sent(&mut self, n: usize) {
        self.out_sent = (self.out_sent + n).min(self.out.len());
        if self.out_sent == self.out.len() {
            self.pump();
        }
    }

    fn received(&mut self, mut data: &[u8]) -> Step {
        if self.done {
            return Step::Continue;
        }
        if self.conn.is_none() {
            return self.fail();
        }
        while !data.is_empty() {
            let Some(conn) = self.conn.as_mut() else {
                return self.fail();
            };
            if conn.read_tls(&mut data).is_err() {
                return self.fail();
            }
            if conn.process_new_packets().is_err() {
                // Let the alert go out if the runner still sends.
                self.pump();
                return self.fail();
            }
            loop {
                let Some(conn) = self.conn.as_mut() else {
                    return self.fail();
                };
                match conn.reader().read(&mut self.plain) {
                    Ok(0) => {
                        // close_notify: the server ended the response.
                        self.done = true;
                        return self.inner.closed();
                    }
                    Ok(n) => {
                        if let s @ Step::Done(_) = self.inner.received(&self.plain[..n]) {
                            self.done = true;
                            return s;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    // The peer closed without close_notify: as a TCP close.
                    Err(_) => {
                        self.done = true;
                        return self.inner.closed();
                    }
                }
            }
        }
        self.pump();
        Step::Continue
    }

    fn closed(&mut self) -> Step {
        if self.done {
            return Step::Continue;
        }
        match self.conn.as_ref() {
            Some(c) if !c.is_handshaking() => {
                self.done = true;
                self.inner.closed()
            }
            _ => self.fail(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_ssl_block_fails_every_check_without_sending() {
        let check = HttpCheck {
            urls: vec![crate::config::checker::Url {
                path: "/".into(),
                ..Default::default()
            }],
            ..HttpCheck::default()
        };
        let server: std::net::SocketAddr = "192.0.2.1:443".parse().unwrap();
        let http = HttpDialog::new(&check, server, None).unwrap();
        let mut d = TlsDialog::new(http, &check, None, server.ip(), &TlsContext::Broken).unwrap();
        for _ in 0..2 {
            d.reset();
            assert!(d.pending().is_empty());
            assert_eq!(d.closed(), Step::Done(Verdict::Down(Failure::Handshake)));
            d.reset();
            assert_eq!(
                d.received(b"\x16\x03\x03"),
                Step::Done(Verdict::Down(Failure::Handshake))
            );
        }
        // The same dialog with a context starts a handshake.
        let http = HttpDialog::new(&check, server, None).unwrap();
        let mut d = TlsDialog::new(http, &check, None, server.ip(), &TlsContext::Plain).unwrap();
        d.reset();
        assert_eq!(d.pending().first(), Some(&0x16), "a ClientHello record");
    }

    #[test]
    fn sni_precedence_and_names() {
        assert_eq!(sni_name(false, Some("u"), Some("c"), Some("v")), None);
        assert_eq!(sni_name(true, Some("u"), Some("c"), Some("v")), Some("u"));
        assert_eq!(sni_name(true, None, Some("c"), Some("v")), Some("c"));
        assert_eq!(sni_name(true, None, None, Some("v")), Some("v"));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let dns = |s: &str| ServerName::try_from(s.to_string()).unwrap();
        assert_eq!(session_name(Some("www.test"), ip), dns("www.test"));
        assert_eq!(session_name(Some("www.test:8443"), ip), dns("www.test"));
        assert_eq!(
            session_name(Some("192.0.2.9"), ip),
            ServerName::IpAddress(ip.into())
        );
        assert_eq!(session_name(None, ip), ServerName::IpAddress(ip.into()));
    }
}
