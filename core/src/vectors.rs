//! The shape of `core/vectors/report-check.json`, the report-check vectors that core's
//! tests, the server's tests and the browser module's tests all run: one definition, so
//! the three read the file alike. Behind the `vectors` feature, which only tests enable.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::template::Template;

/// The file's text, compiled in so a test needs no path (wasm tests have no file system).
pub const REPORT_CHECK: &str = include_str!("../vectors/report-check.json");

/// The whole file.
#[derive(Debug, Deserialize)]
pub struct File {
    pub description: String,
    pub vectors: Vec<Vector>,
}

/// One draft, what it is checked against, and the verdict it must get.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Unique in the file.
    pub name: String,
    pub template: Template,
    /// A period key, e.g. `weekly:2026-11-16`.
    pub period: String,
    /// GeoJSON of the village boundary, or null.
    pub boundary: Option<Value>,
    pub continuable: BTreeSet<String>,
    /// The raw report content, as a page would send it.
    pub draft: Value,
    /// Every problem of `verdict`, in order: all errors.
    pub expected: Vec<Expected>,
}

/// One expected problem: its code and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub code: String,
    pub field: String,
}

/// The vectors of [`REPORT_CHECK`].
pub fn report_check() -> Vec<Vector> {
    let file: File = serde_json::from_str(REPORT_CHECK).expect("the vectors file parses");
    file.vectors
}
