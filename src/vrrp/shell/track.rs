//! VRRP child shell: track.
