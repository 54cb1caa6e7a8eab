//! No code: this crate holds `tests/architecture.rs`, which checks what
//! ARCHITECTURE.md says and code can check (every source file opens with
//! a `//!` doc and stays under about 500 lines, the crate dependency
//! rules, no type of the service with more than about 25 methods). It
//! depends on no workspace crate, so it builds in seconds.
