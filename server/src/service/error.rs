//! Why a use case refused or failed, as facts with their numbers: no HTTP status, no wire
//! code. `http::error` maps each variant once to a status, a stable code and the words.

use crate::db::postings::Posting;
use crate::service::sheet::LineError;
use jianfu_core::period::PeriodKind;
use jianfu_core::template::Refusal;
use jianfu_core::{DivisionCode, DivisionCodeError, Problem, Role};
use jiff::civil::Date;

/// Every refusal and failure of the use cases.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ------------------------------------------------------------ who may do this
    #[error("the role {role} may not do this (allowed: {allowed:?})")]
    ForbiddenRole { role: Role, allowed: Vec<Role> },
    #[error("{unit} is outside the subtree {scope}")]
    OutOfScope {
        unit: DivisionCode,
        scope: DivisionCode,
    },
    #[error("wrong username or password")]
    BadCredentials,
    /// A genuine token names an account that does not exist (any more).
    #[error("the account no longer exists")]
    UnknownAccount,
    /// The account is disabled: it cannot sign in and its tokens do not work.
    #[error("the account is disabled")]
    AccountDisabled,
    /// A genuine token that no longer speaks for its account (signed out, or the account
    /// changed since).
    #[error("the token was revoked: {reason}")]
    TokenRevoked { reason: &'static str },
    /// Too many sign-in attempts for this account or from this address.
    #[error("too many attempts; retry in {retry_after} s")]
    TooManyAttempts { retry_after: u64 },
    /// Too much work is queued (password hashing); retry shortly.
    #[error("busy")]
    Busy,
    /// A cadre asked for another cadre's report.
    #[error("the report {id} is not the caller's")]
    NotYourReport { id: String },

    // ------------------------------------------------------------ malformed input
    /// A value breaks a rule; the problem names the field, the limits and the words.
    #[error("invalid {}: {}", .0.field, .0.message_en)]
    Invalid(Box<Problem>),
    /// A query parameter is out of range or unknown.
    #[error("invalid query {}: {}", .0.field, .0.message_en)]
    InvalidQuery(Box<Problem>),
    #[error("{field}: {error}")]
    InvalidDivisionCode {
        field: &'static str,
        value: String,
        error: DivisionCodeError,
    },
    /// A period key, due offset or grace is not acceptable; the problem's code is the reason.
    #[error("invalid period: {}", .0.message_en)]
    InvalidPeriod(Box<Problem>),
    #[error("unknown time zone {name:?}")]
    UnknownTimeZone { name: String },
    #[error("the report id {value:?} is not a UUID")]
    InvalidReportId { value: String },
    #[error("invalid boundary: {}", .0.message_en)]
    InvalidBoundary(Box<Problem>),

    // ------------------------------------------------------------ not there
    #[error("no org unit {0}")]
    OrgUnitNotFound(DivisionCode),
    #[error("{0} has no boundary")]
    NoBoundary(DivisionCode),
    #[error("no user {username:?}")]
    UserNotFound { username: String },
    #[error("no template {id}")]
    TemplateNotFound { id: i64 },
    #[error("no report {id}")]
    ReportNotFound { id: String },
    #[error("no emergency {id}")]
    EmergencyNotFound { id: i64 },
    #[error("no posting {id} in your subtree")]
    PostingNotFound { id: i64 },
    #[error("no department {id}")]
    DepartmentNotFound { id: i64 },
    #[error("no policy on {unit} or its ancestors")]
    PolicyNotFound { unit: DivisionCode },

    // ------------------------------------------------------------ the tree and people
    #[error("the org unit {0} exists")]
    OrgUnitExists(DivisionCode),
    /// `parent` is `None` for a province, which has no parent to attach to.
    #[error("the parent of {code} does not exist")]
    ParentNotFound {
        code: DivisionCode,
        parent: Option<DivisionCode>,
    },
    #[error("the import file has {error_count} errors")]
    ImportInvalid {
        error_count: usize,
        errors: Vec<LineError>,
    },
    #[error("{} already has the department {:?}", .existing.org_unit, .existing.name)]
    DepartmentExists {
        existing: Box<crate::db::departments::Department>,
    },
    /// A department reviewer asked for a report none of the department's needs reach.
    #[error("the department {department} receives nothing from {village}")]
    NotReceived { department: String, village: String },
    #[error("the username {username:?} is taken")]
    UsernameTaken { username: String },
    #[error("{username} is a {role}, not a cadre")]
    NotACadre { username: String, role: Role },
    #[error("{username} already has an overlapping posting")]
    PostingOverlaps {
        username: String,
        existing: Box<Posting>,
    },
    #[error("no posting between {first} and {last}")]
    NotPosted {
        period: String,
        first: Date,
        last: Date,
    },

    // ------------------------------------------------------------ the fairness rules
    /// A template breaks R3, R4 or a field limit; the kind is that of the first problem.
    #[error("the template is refused: {kind:?}")]
    Template {
        kind: Refusal,
        problems: Vec<Problem>,
    },
    /// R5: the arithmetic is in the problem's details.
    #[error("over budget at {unit}")]
    BurdenOverBudget { problem: Box<Problem>, unit: String },
    /// R1: a cadence shorter than weekly without an active emergency.
    #[error("{kind} needs an active emergency on {unit}")]
    CadenceBelowFloor {
        unit: DivisionCode,
        kind: PeriodKind,
    },
    #[error("an emergency of {days} days")]
    EmergencyTooLong { days: u32 },
    #[error("no field of template {template_id} answers the need")]
    DataNeedUnmatched {
        template_id: i64,
        label_zh: String,
        label_en: String,
        fields: Vec<String>,
        /// The field whose labels read most like the need's: key, label, similarity.
        similar: Option<Box<(String, String, f64)>>,
    },

    // ------------------------------------------------------------ reports
    #[error("the report does not pass its checks")]
    ReportInvalid(Vec<Problem>),
    #[error("the cadence of {village} is {policy_kind}, not {period_kind}")]
    PeriodKindMismatch {
        village: DivisionCode,
        policy_kind: PeriodKind,
        period_kind: PeriodKind,
    },
    #[error("the period {period} starts on {starts}")]
    PeriodNotStarted { period: String, starts: Date },
    #[error("the period {period} already has the report {existing_id}")]
    ReportExistsForPeriod { existing_id: String, period: String },
    #[error("the report id {id} is used by another report")]
    ReportIdTaken {
        id: String,
        period: String,
        existing_period: Option<String>,
    },
    #[error("the period {period} locked at {locks_at}")]
    PeriodLocked { period: String, locks_at: i64 },
    /// The device edited another revision than the latest (or none).
    #[error("based on revision {base:?}, the latest is {}", .latest.revision)]
    RevisionConflict {
        base: Option<i64>,
        latest: Box<crate::db::reports::Latest>,
    },

    // ------------------------------------------------------------ failures
    /// The database failed; whether it is unavailable (503) or broken (500) is decided
    /// from the error when it is answered.
    #[error("storage: {0}")]
    Storage(#[from] sqlx::Error),
    /// A broken invariant of our own (a stored template that does not parse, say).
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    /// A broken invariant: logged when answered, never shown in detail.
    pub fn internal(what: impl std::fmt::Display) -> Error {
        Error::Internal(what.to_string())
    }

    /// `validation_failed`: a value breaks a rule.
    pub fn invalid(problem: Problem) -> Error {
        Error::Invalid(Box::new(problem))
    }

    /// `invalid_query`: a query parameter is out of range or unknown.
    pub fn invalid_query(problem: Problem) -> Error {
        Error::InvalidQuery(Box::new(problem))
    }

    /// `invalid_period`: the problem's code is the precise reason.
    pub fn invalid_period(problem: Problem) -> Error {
        Error::InvalidPeriod(Box::new(problem))
    }

    /// `invalid_boundary`: the problem's code is the precise reason.
    pub fn invalid_boundary(problem: Problem) -> Error {
        Error::InvalidBoundary(Box::new(problem))
    }

    /// A `DivisionCode` parse failure of `field`.
    pub fn division_code(field: &'static str, value: &str, error: DivisionCodeError) -> Error {
        Error::InvalidDivisionCode {
            field,
            value: value.to_owned(),
            error,
        }
    }
}

impl From<crate::service::import::ImportError> for Error {
    fn from(err: crate::service::import::ImportError) -> Self {
        use crate::service::import::ImportError as E;
        match err {
            E::Invalid {
                error_count,
                errors,
            } => Error::ImportInvalid {
                error_count,
                errors,
            },
            E::Io(e) => Error::ImportInvalid {
                error_count: 1,
                errors: vec![LineError {
                    line: 0,
                    field: "row".to_owned(),
                    message_zh: format!("无法读取上传的文件：{e}"),
                    message_en: format!("cannot read the uploaded file: {e}"),
                }],
            },
            E::Db(e) => Error::Storage(e),
        }
    }
}
