-- Every outcome id of every report's latest revision, with the cadre and the period's
-- start, so a later outcome's `continues` is checked by looking up only the ids it names
-- (indexed) instead of reading every earlier report of the cadre.
-- (SQLite stores `reports.late` as 0/1 already, which reads as a boolean.)
CREATE TABLE outcomes (
    report_id    TEXT NOT NULL REFERENCES reports (id),
    outcome_id   TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    period_start TEXT NOT NULL,
    PRIMARY KEY (report_id, outcome_id)
) WITHOUT ROWID;

CREATE INDEX outcomes_by_user ON outcomes (user_id, outcome_id, period_start);

WITH RECURSIVE split (report_id, user_id, period_start, rest, outcome_id) AS (
    SELECT r.id, r.user_id, r.period_start, v.outcome_ids || ' ', ''
    FROM reports r JOIN report_revisions v ON v.report_id = r.id AND v.revision = r.revision
    UNION ALL
    SELECT report_id, user_id, period_start, substr(rest, instr(rest, ' ') + 1),
           substr(rest, 1, instr(rest, ' ') - 1)
    FROM split WHERE rest <> ''
)
INSERT OR IGNORE INTO outcomes (report_id, outcome_id, user_id, period_start)
SELECT report_id, outcome_id, user_id, period_start FROM split WHERE outcome_id <> '';
