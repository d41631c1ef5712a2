//! genhash: the digest of a page, as keepalived's genhash prints it.
