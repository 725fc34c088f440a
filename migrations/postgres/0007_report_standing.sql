-- How each cadre's report for a period stands, found by author without reading the table:
-- completeness looks up every posted cadre of a subtree (620,573 for the whole country).
-- The (user, period) uniqueness moves to an index that also carries the late and sealed
-- flags, so there is no index more to write than before.
CREATE UNIQUE INDEX reports_standing ON reports (user_id, period_key) INCLUDE (late, sealed_on_time);
ALTER TABLE reports DROP CONSTRAINT reports_user_id_period_key_key;
