//! VRRP child shell: fifo.
