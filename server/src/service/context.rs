//! What checking a cadre's report needs, resolved once and cached: the village they served
//! in the period (from their postings, cached per cadre), and for that village the policy
//! in force and the boundary geotags are checked against.
//!
//! The cache holds, per unit, the resolved policy and (for a village) the parsed boundary,
//! per holder each resolved policy (shared by the units under it), and per cadre their
//! postings.
//! It is emptied by every change that can alter them — a policy, a template, a data need
//! that adds a field, an emergency, a boundary, a posting — through [`Cache::invalidate`]. A load that
//! started before an invalidation is not stored, so a change is never hidden by a slower
//! reader. Nothing that depends on the moment (an emergency ending) is cached: a resolved
//! policy answers for any `now`.
//!
//! With several nodes on one PostgreSQL, a change on one node must empty the others'
//! caches: every request first compares the newest audit id with the one last seen, and each
//! change is announced by NOTIFY. How stale a node can be, and why that is safe, is in
//! [`crate::cluster`].

use super::policy::{self, Policy};
use super::{Error, Result, Services};
use crate::db::policies;
use crate::db::postings::{self, Posting};
use jianfu_core::geofence::Boundary;
use jianfu_core::period::Period;
use jianfu_core::{DivisionCode, Level};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A unit's reporting context.
#[derive(Debug)]
pub struct UnitContext {
    pub policy: Arc<Policy>,
    /// For a village: its outline, else its township's.
    pub boundary: Option<Boundary>,
}

/// How many cadres' postings, and how many units' contexts, are kept; past it the map
/// starts again empty (a national node sees 620k cadres in 620k villages a week, a
/// county's a few hundred).
const MAX_CACHED_CADRES: usize = 200_000;
const MAX_CACHED_UNITS: usize = 200_000;

/// Unit contexts by code, valid until the next [`Cache::invalidate`].
#[derive(Debug, Default)]
pub struct Cache {
    generation: AtomicU64,
    units: Mutex<HashMap<String, Arc<UnitContext>>>,
    /// Resolved policies by the unit that holds them: the villages under one policy share
    /// it (a province's policy is parsed once, not once per village).
    policies: Mutex<HashMap<String, Arc<Policy>>>,
    /// Every posting of a cadre, by user id (at most [`MAX_CACHED_CADRES`]).
    postings: Mutex<HashMap<i64, Arc<Vec<Posting>>>>,
    /// The other nodes on the same PostgreSQL; unset on SQLite (one node).
    peers: OnceLock<Arc<crate::cluster::Link>>,
    /// The newest audit id seen by the last use (with `peers` only).
    stamp: AtomicI64,
}

impl Cache {
    /// The context of `unit`, from the cache or read and resolved; `None` when no policy
    /// applies to it.
    pub async fn unit(
        &self,
        s: &Services,
        unit: &DivisionCode,
    ) -> Result<Option<Arc<UnitContext>>> {
        self.catch_up(s).await?;
        self.unit_caught_up(s, unit).await
    }

    /// [`Cache::unit`] once [`Cache::catch_up`] ran for this request.
    async fn unit_caught_up(
        &self,
        s: &Services,
        unit: &DivisionCode,
    ) -> Result<Option<Arc<UnitContext>>> {
        if let Some(hit) = self.lock().get(unit.as_str()) {
            return Ok(Some(hit.clone()));
        }
        let generation = self.generation.load(Ordering::Acquire);
        // A village's policy and outline in one read; a unit above has no outline.
        let found = if unit.level() == Level::Village {
            policies::nearest_with_outline(s.readers(), unit).await?
        } else {
            policies::nearest(s.readers(), unit)
                .await?
                .map(|row| (row, None))
        };
        let Some((row, outline)) = found else {
            return Ok(None);
        };
        let held = self.lock_policies().get(&row.org_unit).cloned();
        let policy = if let Some(policy) = held {
            policy
        } else {
            let holder = row.org_unit.clone();
            let policy = Arc::new(policy::resolve_one(s, row).await?);
            if self.generation.load(Ordering::Acquire) == generation {
                self.lock_policies().insert(holder, policy.clone());
            }
            policy
        };
        let boundary = match outline {
            Some(text) => Some(Boundary::from_geojson(&text).map_err(|e| {
                Error::internal(format!("the stored boundary of {unit} does not parse: {e}"))
            })?),
            None => None,
        };
        let context = Arc::new(UnitContext { policy, boundary });
        let mut units = self.lock();
        if self.generation.load(Ordering::Acquire) == generation {
            if units.len() >= MAX_CACHED_UNITS {
                units.clear();
            }
            units.insert(unit.to_string(), context.clone());
        }
        Ok(Some(context))
    }

    /// Every posting of cadre `user_id`, by start date, from the cache or read, once
    /// [`Cache::catch_up`] ran for this request.
    async fn postings_of(&self, s: &Services, user_id: i64) -> Result<Arc<Vec<Posting>>> {
        if let Some(hit) = self.lock_postings().get(&user_id) {
            return Ok(hit.clone());
        }
        let generation = self.generation.load(Ordering::Acquire);
        let all = Arc::new(
            postings::of_user_overlapping(s.readers(), user_id, "0000-01-01", "9999-12-31").await?,
        );
        let mut cached = self.lock_postings();
        if self.generation.load(Ordering::Acquire) == generation {
            if cached.len() >= MAX_CACHED_CADRES {
                cached.clear();
            }
            cached.insert(user_id, all.clone());
        }
        Ok(all)
    }

    /// With other nodes: forgets everything when one of them changed something since the
    /// last use (the newest audit id moved). Once per request, before its first use: a
    /// change acknowledged before the request started is seen by it.
    async fn catch_up(&self, s: &Services) -> Result<()> {
        if let Some(link) = self.peers.get() {
            let stamp = link.stamp(s.readers()).await?;
            if self.stamp.fetch_max(stamp, Ordering::AcqRel) < stamp {
                self.forget();
                link.dropped("stamp");
            }
        }
        Ok(())
    }

    /// Forgets every context and tells the other nodes: called by each change that can
    /// alter one (postings included), after it committed.
    pub fn invalidate(&self) {
        self.forget();
        if let Some(link) = self.peers.get() {
            link.announce();
            link.dropped("local");
        }
    }

    /// Forgets every context of this node only.
    pub fn forget(&self) {
        let mut units = self.lock();
        let mut postings = self.lock_postings();
        let mut policies = self.lock_policies();
        self.generation.fetch_add(1, Ordering::AcqRel);
        units.clear();
        postings.clear();
        policies.clear();
    }

    /// Joins the other nodes on the same PostgreSQL (once, at start).
    pub fn connect(&self, link: Arc<crate::cluster::Link>) {
        let _ = self.peers.set(link);
    }

    fn lock_policies(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Policy>>> {
        self.policies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock_postings(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Vec<Posting>>>> {
        self.postings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<UnitContext>>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.units
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Where a cadre served in a period and what reporting there means.
#[derive(Debug, Clone)]
pub struct Setting {
    pub village: DivisionCode,
    /// The posting that places the cadre there (with the cadre's and the village's names).
    pub posting: Posting,
    pub context: Arc<UnitContext>,
}

impl Setting {
    pub fn policy(&self) -> &Policy {
        &self.context.policy
    }
}

/// The village the cadre served in `period` (the posting on its last day, else the
/// latest posting that shares a day with it), with its context.
pub async fn for_cadre(s: &Services, user_id: i64, period: &Period) -> Result<Setting> {
    let (first, last) = (period.start, period.last_day());
    let (first_text, last_text) = (first.to_string(), last.to_string());
    s.contexts.catch_up(s).await?;
    let all = s.contexts.postings_of(s, user_id).await?;
    let postings: Vec<&Posting> = all
        .iter()
        .filter(|p| p.starts_on <= last_text && p.ends_on.as_ref().is_none_or(|e| *e >= first_text))
        .collect();
    let posting = postings
        .iter()
        .copied()
        .find(|p| p.starts_on <= last_text && p.ends_on.as_ref().is_none_or(|e| *e >= last_text))
        .or_else(|| postings.last().copied())
        .cloned()
        .ok_or_else(|| Error::NotPosted {
            period: period.key(),
            first,
            last,
        })?;
    let village = super::parse_code(&posting.org_unit, "org_unit")?;
    let context = s
        .contexts
        .unit_caught_up(s, &village)
        .await?
        .ok_or_else(|| Error::PolicyNotFound {
            unit: village.clone(),
        })?;
    Ok(Setting {
        village,
        posting,
        context,
    })
}
