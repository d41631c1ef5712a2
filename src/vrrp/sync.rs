//! vrrp_sync_group: members change state together (sans-IO).
