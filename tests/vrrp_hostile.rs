//! Hostile VRRP traffic against a running daemon (root; network namespaces).

mod lab;
