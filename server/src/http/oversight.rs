//! What reviewers and admins look at: completeness per unit and period (R2, R6) — who
//! reported on time, late, who is missing or exempt, never a ranking — and the audit log.

use super::error::{ApiError, ErrorBody};
use super::extract::Query;
use super::wire::mirror;
use crate::db::audit::Stored;
use crate::service::calendar::{self, GridRow, PeriodInfo};
use crate::service::completeness::{self, Completeness as Computed, Counts, PeriodStatus, Person};
use crate::service::{Actor, audit};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/completeness", get(completeness))
        .route("/completeness/grid", get(status_grid))
        .route("/periods", get(periods))
        .route("/audit", get(audit_log))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodsQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// How many periods, up to the current one (1 to 26, default 12).
    pub count: Option<u32>,
}

/// One period of a unit's policy, with its deadlines in local time.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodInfoView {
    #[schema(example = "weekly:2026-11-16")]
    pub key: String,
    pub start: String,
    /// Exclusive.
    pub end: String,
    pub due_date: String,
    /// The last local date on which a report is on time (due date + grace).
    pub last_on_time_date: String,
    /// A report received at or after this instant (unix seconds) is late.
    pub late_after: i64,
    /// Due date + grace has passed.
    pub closed: bool,
}

impl From<PeriodInfo> for PeriodInfoView {
    fn from(p: PeriodInfo) -> Self {
        PeriodInfoView {
            key: p.period.key(),
            start: p.period.start.to_string(),
            end: p.period.end.to_string(),
            due_date: p.due_date,
            last_on_time_date: p.last_on_time_date,
            late_after: p.late_after,
            closed: p.closed,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitPeriods {
    /// The policy's time zone: show every time in it.
    pub time_zone: String,
    /// Oldest first, the current one last.
    pub periods: Vec<PeriodInfoView>,
}

/// The recent periods of the policy in force for a unit (reviewer, admin).
#[utoipa::path(get, path = "/api/v1/periods", tag = "oversight", security(("bearer" = [])), params(PeriodsQuery),
    responses((status = 200, body = UnitPeriods), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody)))]
pub async fn periods(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<PeriodsQuery>,
) -> Result<axum::Json<UnitPeriods>, ApiError> {
    let (time_zone, periods) =
        calendar::periods(&state.services, &actor, query.unit.as_deref(), query.count).await?;
    Ok(axum::Json(UnitPeriods {
        time_zone,
        periods: periods.into_iter().map(PeriodInfoView::from).collect(),
    }))
}

/// One row of the status grid: a child unit with its counts per period, or (under a
/// township) a cadre with their status per period (null: not posted there then).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridRowView {
    /// `unit` or `cadre`.
    pub kind: &'static str,
    /// The unit's code, or the village of the cadre.
    pub code: String,
    /// The unit's name, or the village's.
    pub name: String,
    pub username: Option<String>,
    pub display_name: Option<String>,
    /// One per period, for a unit.
    pub counts: Option<Vec<CountsView>>,
    /// One per period, for a cadre: on_time, late, sealed_on_time, missing, exempt, open, upcoming or null.
    #[schema(value_type = Option<Vec<Option<String>>>)]
    pub statuses: Option<Vec<Option<PeriodStatus>>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Grid {
    pub periods: Vec<PeriodInfoView>,
    /// In tree order; never by counts.
    pub rows: Vec<GridRowView>,
}

/// The status grid of a unit: its child units (or, for a township or village, its
/// cadres) × its last periods (reviewer, admin).
#[utoipa::path(get, path = "/api/v1/completeness/grid", tag = "oversight", security(("bearer" = [])), params(PeriodsQuery),
    responses((status = 200, body = Grid), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody)))]
pub async fn status_grid(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<PeriodsQuery>,
) -> Result<axum::Json<Grid>, ApiError> {
    let (periods, rows) =
        calendar::grid(&state.services, &actor, query.unit.as_deref(), query.count).await?;
    let rows = rows
        .into_iter()
        .map(|row| match row {
            GridRow::Unit { code, name, counts } => GridRowView {
                kind: "unit",
                code,
                name,
                username: None,
                display_name: None,
                counts: Some(counts.into_iter().map(CountsView::from).collect()),
                statuses: None,
            },
            GridRow::Cadre {
                username,
                display_name,
                village,
                village_name,
                statuses,
            } => GridRowView {
                kind: "cadre",
                code: village,
                name: village_name,
                username: Some(username),
                display_name: Some(display_name),
                counts: None,
                statuses: Some(statuses),
            },
        })
        .collect();
    Ok(axum::Json(Grid {
        periods: periods.into_iter().map(PeriodInfoView::from).collect(),
        rows,
    }))
}

mirror! {
    /// How many cadres of a unit stand where for one period. Never a ranking.
    CountsView from Counts {
        /// Cadres posted on the period's last day, whose policy has this cadence.
        expected: u32,
        on_time: u32,
        late: u32,
        /// Sealed on the device before due date + grace, delivered after (the device's claim).
        sealed_on_time: u32,
        missing: u32,
        exempt: u32,
        /// Not yet due (due date + grace has not passed).
        open: u32,
    }
}

mirror! {
    /// A person in a completeness list: who, and where they serve.
    PersonView from Person {
        user_id: i64,
        username: String,
        display_name: String,
        /// The village of the posting.
        org_unit: String,
        village_name: String,
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitCounts {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: CountsView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Completeness {
    pub unit: String,
    #[schema(example = "weekly:2026-11-16")]
    pub period: String,
    pub counts: CountsView,
    /// One row per direct child unit that has expected cadres, in code order.
    pub units: Vec<UnitCounts>,
    /// Who has not reported although due date + grace has passed, by village then username.
    pub missing: Vec<PersonView>,
    /// Who is exempt for this period, by village then username.
    pub exempt: Vec<PersonView>,
    /// Who reported late, by village then username.
    pub late: Vec<PersonView>,
    /// Who sealed on time and delivered late, by village then username.
    pub sealed_on_time: Vec<PersonView>,
    /// Whether a list names fewer people than its count: each names at most 1,000, the
    /// first by village then username (a county's are whole; a province's full lists are
    /// in the export, or per county).
    pub lists_cut: bool,
    /// Cadres posted in the subtree whose policy has another cadence: not counted here.
    pub other_cadence: u32,
}

impl From<Computed> for Completeness {
    fn from(c: Computed) -> Self {
        let people = |list: Vec<Person>| list.into_iter().map(PersonView::from).collect();
        Completeness {
            unit: c.unit,
            period: c.period,
            counts: c.counts.into(),
            units: c
                .units
                .into_iter()
                .map(|u| UnitCounts {
                    code: u.code,
                    name: u.name,
                    counts: u.counts.into(),
                })
                .collect(),
            missing: people(c.missing),
            exempt: people(c.exempt),
            late: people(c.late),
            sealed_on_time: people(c.sealed_on_time),
            lists_cut: c.lists_cut,
            other_cadence: c.other_cadence,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompletenessQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// A period key; defaults to the period in force now for the unit's policy.
    pub period: Option<String>,
    /// How many people each list names at most (1 to 1,000; default 1,000).
    #[param(minimum = 1, maximum = 1000)]
    pub names: Option<usize>,
}

/// Completeness of one period in a subtree (reviewer, admin): counts per unit and the
/// names of who is missing, late or exempt, listed by village and username.
#[utoipa::path(get, path = "/api/v1/completeness", tag = "oversight", security(("bearer" = [])), params(CompletenessQuery),
    responses((status = 200, body = Completeness), (status = 403, body = ErrorBody),
        (status = 404, description = "policy_not_found", body = ErrorBody),
        (status = 422, description = "invalid_period, invalid_query", body = ErrorBody)))]
pub async fn completeness(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<CompletenessQuery>,
) -> Result<axum::Json<Completeness>, ApiError> {
    let computed = completeness::of_unit(
        &state.services,
        &actor,
        query.unit.as_deref(),
        query.period.as_deref(),
        Some(completeness::list_limit(query.names)?),
    )
    .await?;
    Ok(axum::Json(computed.into()))
}

mirror! {
    /// One entry of the audit log.
    AuditEntry from Stored {
        id: i64,
        /// Unix seconds.
        at: i64,
        actor_id: Option<i64>,
        actor: String,
        #[schema(example = "policies.put")]
        action: String,
        scope: String,
        target: String,
        /// JSON text of the state before, when there was one.
        before: Option<String>,
        after: Option<String>,
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    /// Only the changes of this actor (a username, or `cli`).
    pub actor: Option<String>,
    /// Only this kind of change: an action (`users.disable`) or an area (`users`, `policies`).
    pub kind: Option<String>,
    pub limit: Option<u32>,
    /// The last id of the previous page (entries come newest first).
    pub before: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `before` for the next page; null on the last page.
    pub next_before: Option<i64>,
}

/// The audit log of a subtree, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "oversight", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    actor: Actor,
    Query(query): Query<AuditQuery>,
) -> Result<axum::Json<AuditPage>, ApiError> {
    let filter = crate::db::audit::Filter {
        actor: query.actor.as_deref(),
        kind: query.kind.as_deref(),
    };
    let page = audit::list(
        &state.services,
        &actor,
        query.unit.as_deref(),
        &filter,
        query.before,
        query.limit,
    )
    .await?;
    Ok(axum::Json(AuditPage {
        items: page.items.into_iter().map(AuditEntry::from).collect(),
        next_before: page.next,
    }))
}
