-- How each cadre's report for a period stands, now keyed period first. Completeness looks
-- each posted cadre up with both columns equal (`INDEXED BY reports_standing`), which either
-- order serves; but keyed by author, every new report went into a page of its own in this
-- index once each cadre had a few dozen reports, and the writer wrote that page to the log
-- for that one entry. Keyed by period, the reports of one period share their pages: a
-- batch of reports writes a few pages here, and completeness reads one period's stretch.
-- A cadre's own reports are still found through the (user, period) unique index.
DROP INDEX reports_standing;
CREATE INDEX reports_standing ON reports (period_key, user_id, late, sealed_on_time);
