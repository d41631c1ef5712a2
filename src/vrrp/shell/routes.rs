//! VRRP child shell: routes.
