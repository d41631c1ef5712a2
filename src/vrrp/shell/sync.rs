//! VRRP child shell: sync.
