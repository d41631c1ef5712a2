//! rtnetlink: addresses add/remove, link and address events (the reflector). PLACEHOLDER.
