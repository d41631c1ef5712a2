//! VRRP: the child process that runs vrrp_instances (protocol in a later change).

pub mod child;
