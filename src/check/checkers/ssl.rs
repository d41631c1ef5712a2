//! SSL_GET: the HTTP_GET dialog inside TLS (rustls with the ring provider, TLS 1.2 and 1.3).
//!
//! Like keepalived, the server's certificate is not checked (keepalived sets no verify mode):
//! the check is whether the service answers, not who it is. The handshake's signatures are
//! still verified against the certificate's key, so the session is a real TLS session.
//! SNI is sent only with `enable_sni`, naming the url's, checker's or virtual server's
//! virtualhost (keepalived leaves out the real server's here).
//!
//! Each check needs a new TLS session, and rustls allocates for one: this checker is the
//! exception to "no allocation per check".

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};

use super::http::HttpDialog;
use super::{Dialog, Step, Verdict};

pub const HANDSHAKE_ERROR: &str = "SSL handshake/communication error connecting to";

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

/// One client configuration for the whole process.
fn config() -> Result<Arc<ClientConfig>, rustls::Error> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    if let Some(c) = CONFIG.get() {
        return Ok(c.clone());
    }
    let provider = Arc::new(ring::default_provider());
    let c = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    Ok(CONFIG.get_or_init(|| Arc::new(c)).clone())
}

pub struct TlsDialog {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    conn: Option<ClientConnection>,
    inner: HttpDialog,
    /// TLS records waiting to go out; refilled once sent.
    out: Vec<u8>,
    out_sent: usize,
    plain: Box<[u8]>,
    done: bool,
}

impl TlsDialog {
    /// `sni`: the name to send (None sends none); `server` names the session otherwise.
    pub fn new(inner: HttpDialog, sni: Option<&str>, server: IpAddr) -> Result<Self, String> {
        let config = config().map_err(|e| format!("TLS setup: {e}"))?;
        let name = match sni {
            Some(s) => ServerName::try_from(s.to_string())
                .map_err(|_| format!("SNI name '{s}' is not a valid DNS name"))?,
            None => ServerName::IpAddress(server.into()),
        };
        let mut d = Self {
            config,
            name,
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
        Step::Done(Verdict::Down(HANDSHAKE_ERROR))
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
        self.conn = ClientConnection::new(self.config.clone(), self.name.clone()).ok();
        if self.conn.is_none() {
            self.done = true;
        }
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
