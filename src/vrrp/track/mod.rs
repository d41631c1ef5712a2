//! Tracked objects (interfaces, vrrp_scripts, track files, processes) and the weights and
//! faults they give instances and sync groups: sans-IO.
