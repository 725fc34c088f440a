//! jianfu-core: the domain rules of jianfu, pure Rust with no I/O.
//!
//! Compiled into the server and into the browser client (wasm32), so both run
//! exactly the same checks.

/// Official division codes, levels and the subtree arithmetic built on them.
pub mod division;
/// Who a user is to the system: cadre, reviewer or admin.
pub mod role;

pub use division::{DivisionCode, DivisionCodeError, DivisionRow, DivisionRowError, Level};
pub use role::Role;
