//! Exports for reviewers and admins: reports (one row per report, and one per outcome) and
//! completeness, as CSV or XLSX, scoped like every list, in Chinese or English. Reports
//! are streamed from the database as it reads them, in tree order then by name then period
//! (R2: never by a count of anything); memory stays flat whatever the number of rows.

mod completeness;
pub mod csv;
mod reports;
pub mod table;
pub mod words;
pub mod xlsx;

pub use completeness::{CompletenessExport, completeness};
pub use reports::{ReportsExport, ReportsQuery, Table, reports};
pub use words::Lang;

/// The file name of an export: its kind, the unit and the range, joined by `_`, with
/// nothing a file system refuses (`:` becomes `_`).
fn file_name(parts: &[&str], extension: &str) -> String {
    let mut name = parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("_")
        .replace([':', '/', '\\'], "_");
    name.push('.');
    name.push_str(extension);
    name
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_carry_the_unit_and_range() {
        assert_eq!(
            super::file_name(&["报告", "130928", "2026-11-01", "2026-11-30"], "csv"),
            "报告_130928_2026-11-01_2026-11-30.csv"
        );
        assert_eq!(
            super::file_name(&["completeness", "130928", "weekly:2026-11-16"], "xlsx"),
            "completeness_130928_weekly_2026-11-16.xlsx"
        );
    }
}
