//! Wire types shared by several resources: a page of a list, the paging and scoping query
//! parameters, and the shapes of units and users that many answers carry. Each resource's
//! own wire types sit next to its handlers.

use crate::db::org_units::OrgUnit;
use crate::db::users::User;
use jianfu_core::{Level, Role};
use serde::{Deserialize, Serialize};

/// One page of a list keyed by id, on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<i64>,
}

/// One page of a list keyed by text (a code, an id, `unit/username`), on the wire.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyPage<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; null on the last page.
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    /// The wire page of a service page, each row mapped to its wire type.
    pub fn of<R>(page: crate::db::page::Page<R, i64>) -> Page<T>
    where
        T: From<R>,
    {
        Page {
            items: page.items.into_iter().map(T::from).collect(),
            next_after: page.next,
        }
    }
}

impl<T> KeyPage<T> {
    /// The wire page of a service page, each row mapped to its wire type.
    pub fn of<R>(page: crate::db::page::Page<R, String>) -> KeyPage<T>
    where
        T: From<R>,
    {
        KeyPage {
            items: page.items.into_iter().map(T::from).collect(),
            next_after: page.next,
        }
    }
}

/// Declares a wire type that carries every field of a domain or storage type as it is,
/// with `From` to move one into the other: the OpenAPI document describes the wire type,
/// and nothing below HTTP depends on utoipa.
macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident from $source:ty {
        $($(#[$field_meta:meta])* $field:ident: $ty:ty,)+
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)+
        }

        impl From<$source> for $name {
            fn from(source: $source) -> Self {
                $name { $($field: source.$field,)+ }
            }
        }
    };
}
pub(crate) use mirror;

/// A page of a list keyed by id, in a subtree.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitPage {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
    pub limit: Option<u32>,
    /// The last id of the previous page.
    pub after: Option<i64>,
}

impl UnitPage {
    /// The page as the services take it.
    pub fn as_ids(&self) -> crate::service::IdPage<'_> {
        crate::service::IdPage {
            unit: self.unit.as_deref(),
            after: self.after,
            limit: self.limit,
        }
    }
}

/// A subtree to look at.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    /// The subtree; defaults to the caller's unit.
    pub unit: Option<String>,
}

mirror! {
    /// One unit of the administrative tree.
    OrgUnitView from OrgUnit {
        /// Significant-digit division code: 2, 4, 6, 9 or 12 digits.
        #[schema(example = "130928")]
        code: String,
        #[schema(example = "吴桥县")]
        name: String,
        /// province, city, county, township or village.
        #[schema(value_type = String, example = "county")]
        level: Level,
        #[schema(example = "1309")]
        parent_code: Option<String>,
    }
}

mirror! {
    /// A user as the API shows it (never the hash).
    UserView from User {
        id: i64,
        #[schema(example = "wang.li")]
        username: String,
        #[schema(example = "王丽")]
        display_name: String,
        /// cadre, reviewer or admin.
        #[schema(value_type = String, example = "cadre")]
        role: Role,
        /// The division code of the unit the user serves or oversees.
        #[schema(example = "130928101201")]
        org_unit: String,
        /// A reviewer's department; null for cadres and admins.
        department_id: Option<i64>,
    }
}
