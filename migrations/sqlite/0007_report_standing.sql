-- How each cadre's report for a period stands, found by author without reading the row:
-- completeness looks up every posted cadre of a subtree (620,573 for the whole country).
CREATE INDEX reports_standing ON reports (user_id, period_key, late, sealed_on_time);
-- No query reads reports by period first: the report list filters by period only inside a
-- subtree, through `reports_by_unit` (SQLite cannot use an index for its optional period).
-- That index goes, so a new report writes no more indexes than before.
DROP INDEX reports_by_period;
