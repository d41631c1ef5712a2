//! The VRRP child's entry point. PLACEHOLDER.
