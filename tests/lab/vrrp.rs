//! Running VRRP routers (ours or keepalived 2.2.7) in a lab and watching them: state, VIPs, adverts.
