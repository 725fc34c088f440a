-- How each cadre's report for a period stands, found by author without reading the row:
-- completeness looks up every posted cadre of a subtree (620,573 for the whole country).
CREATE INDEX reports_standing ON reports (user_id, period_key) INCLUDE (late, sealed_on_time);
