//! Gratuitous ARP and unsolicited neighbour advertisements. PLACEHOLDER.
