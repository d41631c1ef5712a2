//! SSL_GET: the HTTP_GET dialog inside TLS (rustls).

compile_error!("the tls feature is not yet implemented");
