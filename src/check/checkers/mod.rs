//! The checkers: one non-blocking state machine per checker type.
