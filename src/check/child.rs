//! The checker child's entry point. PLACEHOLDER.
