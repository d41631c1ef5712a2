//! The checker blocks of a real_server. PLACEHOLDER.
