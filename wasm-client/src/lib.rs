//! jianfu-client: the browser's copy of the domain rules, a thin `wasm-bindgen` layer over
//! `jianfu-core`, so a phone with no signal runs exactly the checks the server runs.
//!
//! The page loads it with `import init, * as jianfu from "/pkg/jianfu_client.js"` (built by
//! `scripts/build-wasm.sh`). Every export keeps to the same conventions, and later ones
//! (offline drafts, report checks) should too:
//!
//! - JS names are camelCase; arguments are plain strings and numbers.
//! - A returned object is plain data (made from serde output), and its TypeScript type is
//!   declared in [`TS_TYPES`] and named with `unchecked_return_type`.
//! - A failure throws a plain object `{code, message_zh, message_en, details}`, the shape of
//!   the server's errors (see [`error::ClientError`]), so the page shows both alike.

use wasm_bindgen::prelude::wasm_bindgen;

pub mod division;
pub mod error;
pub mod report;

pub use division::{parse_division_code, unit_contains};
pub use error::ClientError;
pub use report::{Client, new_report_id, round_geotag, upload_step};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** The level of a unit in the administrative tree, root first. */
export type DivisionLevel = "province" | "city" | "county" | "township" | "village";

/** A division code taken apart by {@link parseDivisionCode}. */
export interface DivisionCodeInfo {
  /** The code as given, in significant-digit form (2, 4, 6, 9 or 12 digits). */
  code: string;
  level: DivisionLevel;
  /** The unit directly above; `null` for a province. */
  parent: string | null;
  /** Codes from the province down to this unit, this unit last. */
  path: string[];
}

/** A rounded location of an outcome (3 decimals, about 110 m); never a person's track. */
export interface Geotag {
  lat: number;
  lon: number;
}

/** One outcome of a report, as the server stores it. */
export interface Outcome {
  /** Unique in the report: 1 to 64 of `[A-Za-z0-9_-]`. */
  id: string;
  category: string;
  what: string;
  for_whom: string;
  status: "done" | "in_progress" | "handed_off" | "blocked";
  quantity?: { value: number; unit: string };
  geotag?: Geotag;
  /** The id of an earlier outcome (`PeriodContext.continuable`) this one continues. */
  continues?: string;
}

/** A report's content: outcomes, the template's fields by key, days in the village. */
export interface ReportContent {
  outcomes: Outcome[];
  fields?: Record<string, unknown>;
  days_in_village?: number;
}

/** One template field; `type` and its limits are flattened into it. */
export interface TemplateField {
  key: string;
  label_zh: string;
  label_en: string;
  type: "text" | "number" | "choice" | "date" | "outcome_list" | "geotag" | "attachment";
  required?: boolean;
  seconds_to_fill: number;
  stable?: boolean;
  concept?: string;
  max_chars?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: string;
  options?: string[];
  multiple?: boolean;
  max_items?: number;
  media?: "photo" | "screenshot" | "video" | "document";
}

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

/** A draft: one per period. Keep `reportId` for good: it is the idempotency key. */
export interface Draft {
  reportId: string;
  period: string;
  content: ReportContent;
  /** Where the first content came from (only on {@link Client.newDraft}'s result). */
  basedOn?: "report" | "prefill" | "empty";
}

/** A problem found by a check; the server uses the same shape in `details.problems`. */
export interface Problem {
  code: string;
  /** A path such as `outcomes[0].what` or `fields.households`; empty for the whole report. */
  field: string;
  /** Errors block sealing; warnings (e.g. `similar_to_last_period`) only inform. */
  severity: "error" | "warning";
  message_zh: string;
  message_en: string;
  details: Record<string, unknown>;
}

/** What `PUT /api/v1/reports/{reportId}` takes as `{period, content}`. */
export interface SealedReport {
  reportId: string;
  period: string;
  content: ReportContent;
}

/** What the outbox does after one upload attempt. */
export interface UploadStep {
  /** `retry`: same id, after `delayMs`; `revise`: resend as `existingId` (HTTP 409
   * `report_exists_for_period`); `sign_in`: keep it until a new token; `refused`: keep it and
   * show the problems. */
  action: "done" | "retry" | "revise" | "sign_in" | "refused";
  delayMs: number | null;
  existingId: string | null;
}

/** What every function of this module throws: the same shape as the server's errors. */
export interface JianfuError {
  /** Stable machine-readable code, e.g. `invalid_division_code`. */
  code: string;
  message_zh: string;
  message_en: string;
  /** The facts behind the error, e.g. `{field, value}`. */
  details: Record<string, unknown>;
}
"#;

/// The version of this module (the workspace version), to show next to the server's.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
