-- Completeness counts a subtree from two indexes without reading either table: the postings
-- found by village carry the cadre and the end date, and the reports of a period found by
-- village carry their author and how they stand (late, sealed on time), which completeness
-- hashes by author instead of looking up each posted cadre (db/completeness.rs `tally`).
-- Both indexes already existed; each entry grows by a few bytes.
DROP INDEX postings_by_unit;
CREATE INDEX postings_by_unit ON postings (org_unit, starts_on) INCLUDE (user_id, ends_on);
DROP INDEX reports_by_period;
CREATE INDEX reports_by_period ON reports (period_key, org_unit) INCLUDE (user_id, late, sealed_on_time);
