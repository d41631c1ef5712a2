//! IPVS over generic netlink, and the virtual server manager (quorum, sorry server, inhibit).
