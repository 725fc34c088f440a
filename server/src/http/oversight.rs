//! What reviewers and admins look at: completeness per unit and period (R2, R6) — who
//! reported on time, late, who is missing or exempt, never a ranking — and the audit log.

use super::error::{ApiError, ErrorBody};
use super::extract::Query;
use super::wire::mirror;
use crate::db::audit::Stored;
use crate::service::completeness::{self, Completeness as Computed, Counts, Person};
use crate::service::{Actor, audit};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/completeness", get(completeness))
        .route("/audit", get(audit_log))
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
    let page = audit::list(
        &state.services,
        &actor,
        query.unit.as_deref(),
        query.before,
        query.limit,
    )
    .await?;
    Ok(axum::Json(AuditPage {
        items: page.items.into_iter().map(AuditEntry::from).collect(),
        next_before: page.next,
    }))
}
