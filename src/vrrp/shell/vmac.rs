//! VRRP child shell: vmac.
