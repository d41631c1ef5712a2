//! The vrrp_instance state machine (sans-IO, virtual clock). PLACEHOLDER.
