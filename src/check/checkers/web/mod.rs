//! HTTP_GET and SSL_GET: one dialog over plain TCP or TLS (`http`), the TLS session that
//! carries it (`ssl`), and the client context of the global `SSL` block (`ssl_ctx`). They
//! lean on each other, so they live together.

pub mod http;
#[cfg(feature = "tls")]
pub mod ssl;
#[cfg(feature = "tls")]
pub mod ssl_ctx;
#[cfg(feature = "tls")]
pub use ssl_ctx::TlsContext;
/// Without the tls feature SSL_GET refuses to run, and its context is nothing.
#[cfg(not(feature = "tls"))]
#[derive(Clone, Debug, Default)]
pub struct TlsContext;
#[cfg(not(feature = "tls"))]
impl TlsContext {
    pub fn for_config(_: &crate::config::Config) -> TlsContext {
        TlsContext
    }
}
