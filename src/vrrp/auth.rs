//! VRRP authentication: PASS and IPsec AH (HMAC-MD5-96). PLACEHOLDER.
