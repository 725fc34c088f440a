//! The reads behind a subtree's completeness (R2, R6): who is posted inside the subtree on
//! the period's last day and how their report for the period stands.
//!
//! For the API the database counts: in groups of villages ([`tally`]), the exempt apart
//! (few), and by name only the first people of each list ([`listed`]). A province is tens
//! of thousands of cadres; these reads return a few hundred rows for it. Where every
//! person's verdict is needed (a department's share, the grid, the export), [`everyone`]
//! returns one row per cadre.
//!
//! Reports are found by author and period (`reports_standing`, which carries the late and
//! sealed flags; migration 0007), so a cadre's report counts wherever they serve, and the
//! table is not read. On PostgreSQL that index is the (user, period) unique index itself;
//! on SQLite it is keyed period first (migration 0009: the reports of one period share its
//! pages), and SQLite is told to use it: its planner otherwise takes the unique index and
//! then reads each row from the table. PostgreSQL's [`tally`] first takes the reports of
//! the period filed inside the subtree (`reports_by_period`, migration 0008) and looks up
//! by author only the cadres it did not find there.

use super::reports::Standing;
use super::{Db, on_pool};
use jianfu_core::DivisionCode;
use jianfu_core::period::Period;
use serde::Serialize;
use sqlx::FromRow;
use tracing::instrument;

/// Cadres posted in villages sharing their first digits, not exempt, whose reports for the
/// period stand alike.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Tally {
    /// The unit the villages share: the first digits of their codes.
    pub unit: String,
    /// Whether the first revision arrived late; `None`: no report.
    pub late: Option<bool>,
    pub sealed_on_time: Option<bool>,
    pub count: i64,
}

/// A cadre posted in the subtree, and how their report for the period stands.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Posted {
    pub user_id: i64,
    /// The village of the posting.
    pub org_unit: String,
    /// Whether the first revision arrived late; `None`: no report.
    pub late: Option<bool>,
    pub sealed_on_time: Option<bool>,
}

impl Posted {
    /// The report's standing, if there is a report.
    pub fn standing(&self) -> Option<Standing> {
        standing(self.late, self.sealed_on_time)
    }
}

impl Tally {
    /// The standing of the reports counted, if they are reports.
    pub fn standing(&self) -> Option<Standing> {
        standing(self.late, self.sealed_on_time)
    }
}

fn standing(late: Option<bool>, sealed_on_time: Option<bool>) -> Option<Standing> {
    late.map(|late| Standing {
        late,
        sealed_on_time: sealed_on_time.unwrap_or(false),
    })
}

/// A cadre posted in the subtree and exempt for part of the period.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Exempted {
    pub user_id: i64,
    /// The village of the posting.
    pub org_unit: String,
}

/// A person in a completeness list: who, and where they serve. Never a count of anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Person {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The village of the posting.
    pub org_unit: String,
    pub village_name: String,
}

/// Which people of a list: how their report stands (the exempt are never in these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    Unreported,
    LateNotSealed,
    LateSealed,
}

/// The period a read is about, and where.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The subtree's bounds as a range of codes (see [`DivisionCode::subtree_bounds`]).
    low: String,
    high: String,
    /// The period's first and last local dates (`YYYY-MM-DD`); postings count on the last.
    pub first: String,
    pub last: String,
    pub period_key: String,
}

impl Scope {
    /// `period` inside `unit`.
    pub fn of(unit: &DivisionCode, period: &Period) -> Scope {
        let (low, high) = unit.subtree_bounds();
        Scope {
            low,
            high,
            first: period.start.to_string(),
            last: period.last_day().to_string(),
            period_key: period.key(),
        }
    }
}

/// Postings in `$1..$2` on `$3`.
const POSTED_ON: &str = "p.org_unit >= $1 AND p.org_unit < $2 AND p.starts_on <= $3 \
     AND (p.ends_on IS NULL OR p.ends_on >= $3)";

/// The reports table as `r`, read through `reports_standing`.
fn reports(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => "reports r INDEXED BY reports_standing",
        Db::Postgres(_) => "reports r",
    }
}

/// The cadres posted inside the scope, each with their report for `$4` if there is one.
fn posted(db: &Db) -> String {
    format!(
        "FROM postings p LEFT JOIN {} ON r.user_id = p.user_id AND r.period_key = $4 \
         WHERE {POSTED_ON}",
        reports(db)
    )
}

/// Exempt for part of the period: an exemption sharing a day with `first..$3` (`first`
/// the placeholder of the period's first day).
fn exempt(first: &str) -> String {
    format!(
        "p.user_id IN (SELECT e.user_id FROM exemptions e WHERE e.starts_on <= $3 AND e.ends_on >= {first})"
    )
}

/// Everyone posted inside the scope with their report's standing, by village then user id.
#[instrument(skip_all)]
pub async fn everyone(db: &Db, scope: &Scope) -> Result<Vec<Posted>, sqlx::Error> {
    let sql = format!(
        "SELECT p.user_id, p.org_unit, r.late, r.sealed_on_time {} ORDER BY p.org_unit, p.user_id",
        posted(db)
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&scope.low).bind(&scope.high).bind(&scope.last).bind(&scope.period_key)
        .fetch_all(pool).await)
}

/// The cadres posted inside the scope who are not exempt, counted by the unit of the first
/// `digits` digits of their village and by how their report stands.
#[instrument(skip_all)]
pub async fn tally(db: &Db, scope: &Scope, digits: usize) -> Result<Vec<Tally>, sqlx::Error> {
    let digits = i32::try_from(digits).unwrap_or(i32::MAX);
    let not_exempt = format!("NOT {}", exempt("$5"));
    let sql = match db {
        Db::Sqlite(_) => format!(
            "SELECT substr(p.org_unit, 1, $6) AS unit, r.late, r.sealed_on_time, count(*) AS count \
             {} AND {not_exempt} GROUP BY 1, 2, 3",
            posted(db)
        ),
        // The reports of the period filed inside the subtree are read from
        // `reports_by_period`, which carries the author and both flags (migration 0008),
        // and hashed by author: one pass over each index, where a lookup per cadre costs
        // PostgreSQL's executor ~1 µs. Only a cadre whose report was not filed there (none
        // yet, or filed in another village before a move) is looked up by author: a
        // scalar subquery runs only for the rows that reach it, where a lateral join
        // looked up every row. How a report stands is one number here: 0 on time, 1 late,
        // 2 late but sealed on time. The 31 provinces' tallies of a national week took
        // 20–40 % less time this way than looking up each cadre, in alternating runs
        // (576–887 ms against 812–1,140; Shandong, 62,074 cadres, 52–55 ms in one process
        // against 57–61 ms with two workers). No JIT (see `Db::connect_with`): the
        // planner's estimate for the subquery would otherwise start 0.5 s of compiling.
        Db::Postgres(_) => {
            let standing =
                |r: &str| format!("{r}.late::int + ({r}.late AND {r}.sealed_on_time)::int");
            format!(
                "SELECT unit, s > 0 AS late, s = 2 AS sealed_on_time, n AS count FROM \
                 (SELECT substr(p.org_unit, 1, $6) AS unit, \
                  CASE WHEN r.user_id IS NOT NULL THEN r.s ELSE \
                  (SELECT {} FROM reports x WHERE x.user_id = p.user_id AND x.period_key = $4) \
                  END AS s, count(*) AS n \
                  FROM postings p LEFT JOIN \
                  (SELECT f.user_id, {} AS s FROM reports f \
                   WHERE f.period_key = $4 AND f.org_unit >= $1 AND f.org_unit < $2) r \
                  ON r.user_id = p.user_id \
                  WHERE {POSTED_ON} AND {not_exempt} GROUP BY 1, 2) g",
                standing("x"),
                standing("f")
            )
        }
    };
    // Planned with its values each time, not kept prepared: the subtree's size decides
    // the plan (PostgreSQL's generic plan for the lookups read a province in one process,
    // Shandong 101–137 ms against 60–75 with its workers). On SQLite it costs a prepare.
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&scope.low).bind(&scope.high).bind(&scope.last).bind(&scope.period_key).bind(&scope.first).bind(digits)
        .persistent(false)
        .fetch_all(pool).await)
}

/// The cadres posted inside the scope who are exempt for part of the period, by village
/// then user id.
#[instrument(skip_all)]
pub async fn exempted(db: &Db, scope: &Scope) -> Result<Vec<Exempted>, sqlx::Error> {
    let sql = format!(
        "SELECT p.user_id, p.org_unit FROM postings p WHERE {POSTED_ON} AND {} \
         ORDER BY p.org_unit, p.user_id",
        exempt("$4")
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&scope.low).bind(&scope.high).bind(&scope.last).bind(&scope.first)
        .fetch_all(pool).await)
}

/// The first `limit` people posted inside the scope, not exempt, whose report stands as
/// `which` says, by village then username; only in the units `among` names (each of the
/// same number of digits; none: nobody) when given.
#[instrument(skip_all)]
pub async fn listed(
    db: &Db,
    scope: &Scope,
    which: Listed,
    among: Option<&[DivisionCode]>,
    limit: usize,
) -> Result<Vec<Person>, sqlx::Error> {
    if among.is_some_and(<[DivisionCode]>::is_empty) {
        return Ok(Vec::new());
    }
    // As conditions on the posting, so that a person is looked up only once they qualify.
    let report = format!(
        "SELECT 1 FROM {} WHERE r.user_id = p.user_id AND r.period_key = $4",
        reports(db)
    );
    let standing = match which {
        Listed::Unreported => format!("NOT EXISTS ({report})"),
        Listed::LateNotSealed => format!("EXISTS ({report} AND r.late AND NOT r.sealed_on_time)"),
        Listed::LateSealed => format!("EXISTS ({report} AND r.late AND r.sealed_on_time)"),
    };
    // Division codes are digits only: nothing from outside reaches the statement's text.
    let among = match among {
        Some(units) => {
            let digits = units.first().map_or(0, |u| u.as_str().len());
            let codes: Vec<String> = units.iter().map(|u| format!("'{}'", u.as_str())).collect();
            format!(
                "AND substr(p.org_unit, 1, {digits}) IN ({})",
                codes.join(", ")
            )
        }
        None => String::new(),
    };
    // In byte order on both engines, as a list sorted in Rust would be.
    let bytes = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " COLLATE \"C\"",
    };
    // The villages' names joined to the first `limit` only. Joined before the limit,
    // PostgreSQL merged the postings with the units from the first code of the country on,
    // or, told the range of both, underestimated the join a hundredfold and sorted the whole
    // province: 6.5 ms for a province's 1,000 names now, 20–130 ms then.
    let sql = format!(
        "SELECT x.user_id, x.username, x.display_name, x.org_unit, o.name AS village_name FROM \
         (SELECT p.user_id, u.username, u.display_name, p.org_unit \
          FROM postings p JOIN users u ON u.id = p.user_id \
          WHERE {POSTED_ON} AND {standing} AND NOT {} {among} \
          ORDER BY p.org_unit, u.username{bytes} LIMIT $6) x \
         JOIN org_units o ON o.code = x.org_unit ORDER BY x.org_unit, x.username{bytes}",
        exempt("$5")
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(&scope.low).bind(&scope.high).bind(&scope.last).bind(&scope.period_key).bind(&scope.first).bind(limit)
        .fetch_all(pool).await)
}
