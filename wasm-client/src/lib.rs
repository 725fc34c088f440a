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

pub use division::{parse_division_code, unit_contains};
pub use error::ClientError;

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
