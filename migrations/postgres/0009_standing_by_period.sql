-- SQLite's migration of this number keys its `reports_standing` period first, so that the
-- reports of one period share their index pages. PostgreSQL needs no change: its
-- `reports_standing` is the (user, period) unique index itself (migration 0007), and a
-- period's reports are already found period first through `reports_by_period` (0008),
-- which completeness reads. The index's purpose is recorded where psql shows it.
COMMENT ON INDEX reports_standing IS
    'One report per cadre and period; how it stands (late, sealed on time) without reading the table. A period''s reports are found through reports_by_period.';
