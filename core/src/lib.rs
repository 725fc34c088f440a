//! jianfu-core: the domain rules of jianfu, pure Rust with no I/O.
//!
//! Compiled into the server and into the browser client (wasm32), so both run
//! exactly the same checks.

/// Burden arithmetic (R5): minutes per cadre per month against the budget and the
/// daily punch-in + daily log baseline it replaces.
pub mod burden;
/// Official division codes, levels and the subtree arithmetic built on them.
pub mod division;
/// Geotags of outcomes, rounded on the phone, and the village boundary they must fall
/// in (R7).
pub mod geofence;
/// Reporting periods in local time and their fair deadlines (R1, R6).
pub mod period;
/// A problem found by a check, shared by the server's errors and the browser's hints.
pub mod problem;
/// The content of a report and the checks the server and the browser both run.
pub mod report;
/// Who a user is to the system: cadre, reviewer or admin.
pub mod role;
/// How alike two outcomes read: the "same as last period?" hint, never a refusal.
pub mod similarity;
/// Report templates: typed fields with limits and seconds to fill (R3, R4).
pub mod template;
/// Free text typed by people: the one rule it must keep, and the one way texts compare.
pub mod text;
/// The shape of the shared test vectors (`core/vectors/`), for the tests of every crate.
#[cfg(feature = "vectors")]
#[doc(hidden)]
pub mod vectors;
/// Closed sets of words: a report's status, a review's verdict, an exemption's kind.
pub mod words;

pub use division::{DivisionCode, DivisionCodeError, DivisionRow, DivisionRowError, Level};
pub use geofence::{Boundary, BoundaryError, Geotag};
pub use problem::{Problem, Severity};
pub use report::{CheckContext, Outcome, OutcomeStatus, Quantity, ReportContent};
pub use role::Role;
pub use text::{TextError, TextRule};
pub use words::{ExemptionKind, ReportStatus, Verdict};
