-- `reports.late` is a flag: a boolean, as SQLite's 0/1 reads.
ALTER TABLE reports ALTER COLUMN late TYPE BOOLEAN USING late <> 0;

-- Every outcome id of every report's latest revision, with the cadre and the period's
-- start, so a later outcome's `continues` is checked by looking up only the ids it names
-- (indexed) instead of reading every earlier report of the cadre.
CREATE TABLE outcomes (
    report_id    TEXT NOT NULL REFERENCES reports (id),
    outcome_id   TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    period_start TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (report_id, outcome_id)
);

CREATE INDEX outcomes_by_user ON outcomes (user_id, outcome_id, period_start);

INSERT INTO outcomes (report_id, outcome_id, user_id, period_start)
SELECT DISTINCT r.id, o.id, r.user_id, r.period_start
FROM reports r
JOIN report_revisions v ON v.report_id = r.id AND v.revision = r.revision
CROSS JOIN LATERAL unnest(string_to_array(v.outcome_ids, ' ')) AS o (id)
WHERE o.id <> '';
