-- Completeness counts a subtree from indexes without reading the postings: the postings
-- found by village carry the cadre and the end date (SQLite has no INCLUDE, so they are
-- the index's last columns). The reports are already found by author through
-- `reports_standing`, which carries how they stand (migration 0007).
DROP INDEX postings_by_unit;
CREATE INDEX postings_by_unit ON postings (org_unit, starts_on, user_id, ends_on);
