//! vrrp_script, vrrp_track_file / track_file, vrrp_track_process. PLACEHOLDER.
