//! Health checkers and IPVS: the checker child (checkers in a later change).

pub mod child;
