//! jianfu-client: the browser's copy of the domain rules, a thin `wasm-bindgen` layer over
//! `jianfu-core`, so a phone with no signal runs exactly the checks the server runs.
//!
//! The page loads it with `import init, * as jianfu from "/pkg/jianfu_client.js"` (built by
//! `scripts/build-wasm.sh`). Every export keeps to the same conventions, and later ones
//! (offline drafts, report checks) should too:
//!
//! - JS names are camelCase; arguments are plain strings and numbers.
//! - A returned object is plain data (made from serde output); its TypeScript type is
//!   generated from the Rust type (`#[derive(tsify::Tsify)]`, declarations only, and core's
//!   `ts` feature) and named with `unchecked_return_type`.
//! - The admin page's exports (the template editor's burden preview, [`burden`]) sit behind
//!   the `admin` feature, built into `/pkg/admin/`, so the cadre's module stays small.
//! - A failure throws a plain object `{code, message_zh, message_en, details}`, the shape of
//!   the server's errors (see [`error::ClientError`]), so the page shows both alike.

use wasm_bindgen::prelude::wasm_bindgen;

pub mod boundary;
#[cfg(feature = "admin")]
pub mod burden;
pub mod division;
pub mod error;
pub mod report;

#[cfg(feature = "admin")]
pub use burden::template_burden;
pub use division::{parse_division_code, unit_contains};
pub use error::ClientError;
pub use report::{Client, new_report_id, round_geotag, upload_step};

// Every other type in the declarations is generated from its Rust type (tsify, declarations
// only). `PeriodContext` is the server's answer (`server/src/http/me.rs`), which the module
// reads only in part (`report::PeriodContext`) and cannot depend on, so it is written here,
// from the generated types.
#[wasm_bindgen(typescript_custom_section)]
const PERIOD_CONTEXT: &str = r#"
/** The answer of `GET /api/v1/me/periods/{key}`: everything needed to write offline. */
export interface PeriodContext {
  period: { key: string; start: string; end: string; due_date: string; status: string; report_id: string | null; [k: string]: unknown };
  org_unit?: string;
  template: TemplateField[];
  /** The village boundary (GeoJSON Polygon or MultiPolygon), or null when none is known. */
  boundary: object | null;
  /** The report already stored for the period: a new draft revises it. */
  report: { id: string; revision: number; status: string; content: ReportContent; question?: string | null } | null;
  /** Carried forward from the last report (stable fields, unfinished outcomes). */
  prefill: ReportContent | null;
  /** Last period's outcomes, for the similarity hint. */
  last_outcomes: Outcome[];
  /** Earlier outcome ids that `Outcome.continues` may name. */
  continuable: string[];
}
"#;

/// The version of this module (the workspace version), to show next to the server's.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
