-- The reporting loop: where cadres serve, what and how often they report, the reports
-- themselves with every revision, reviews, and the fairness tools (exemptions,
-- emergencies, reopenings). Local dates are 'YYYY-MM-DD' text (they sort as dates);
-- instants are unix seconds.

-- A village or township outline (GeoJSON), used to refuse geotags far outside it (R7).
CREATE TABLE boundaries (
    org_unit   TEXT PRIMARY KEY NOT NULL REFERENCES org_units (code),
    geojson    TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A cadre serves one village from starts_on to ends_on (inclusive; NULL = open-ended).
CREATE TABLE postings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    org_unit   TEXT NOT NULL REFERENCES org_units (code),
    starts_on  TEXT NOT NULL,
    ends_on    TEXT,
    created_at INTEGER NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE INDEX postings_by_user ON postings (user_id, starts_on);
CREATE INDEX postings_by_unit ON postings (org_unit, starts_on);

-- A template: typed fields as JSON (see core::template), owned by a unit.
CREATE TABLE templates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_unit   TEXT NOT NULL REFERENCES org_units (code),
    name       TEXT NOT NULL,
    fields     TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX templates_by_unit ON templates (org_unit);

-- An emergency for a subtree: a reason, at most 14 days, over by itself at ends_at.
CREATE TABLE emergencies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_unit   TEXT NOT NULL REFERENCES org_units (code),
    reason     TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= 14 * 86400)
);

CREATE INDEX emergencies_by_unit ON emergencies (org_unit, ends_at);

-- A policy applies to its unit's subtree; the nearest ancestor's wins.
-- A cadence below weekly needs an emergency (R1): emergency_id names it, and when it
-- ends, kind_after_emergency applies again by itself.
CREATE TABLE policies (
    org_unit             TEXT PRIMARY KEY NOT NULL REFERENCES org_units (code),
    period_kind          TEXT NOT NULL CHECK (period_kind IN ('daily', 'weekly', 'biweekly', 'monthly', 'quarterly')),
    due_offset_days      INTEGER NOT NULL,
    grace_days           INTEGER NOT NULL,
    lock_days            INTEGER NOT NULL,
    template_id          INTEGER NOT NULL REFERENCES templates (id),
    budget_minutes       INTEGER NOT NULL,
    time_zone            TEXT NOT NULL,
    emergency_id         INTEGER REFERENCES emergencies (id),
    kind_after_emergency TEXT CHECK (kind_after_emergency IN ('weekly', 'biweekly', 'monthly', 'quarterly')),
    updated_at           INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX policies_by_template ON policies (template_id);

-- Leave, sickness, training or disaster duty: the periods it touches are exempt.
CREATE TABLE exemptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL CHECK (kind IN ('leave', 'sickness', 'training', 'disaster_duty')),
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    CHECK (ends_on >= starts_on)
);

CREATE INDEX exemptions_by_user ON exemptions (user_id, starts_on);

-- A department's request for information: linked to an existing field, or added.
CREATE TABLE data_needs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_unit    TEXT NOT NULL REFERENCES org_units (code),
    department  TEXT NOT NULL,
    label_zh    TEXT NOT NULL,
    label_en    TEXT NOT NULL,
    concept     TEXT,
    template_id INTEGER NOT NULL REFERENCES templates (id),
    field_key   TEXT NOT NULL,
    resolution  TEXT NOT NULL CHECK (resolution IN ('linked', 'added')),
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);

CREATE INDEX data_needs_by_unit ON data_needs (org_unit, id);

-- One report per cadre and period (R3); the client's UUID is the idempotency key.
-- The row holds the latest revision; report_revisions holds them all.
CREATE TABLE reports (
    id               TEXT PRIMARY KEY NOT NULL,
    user_id          INTEGER NOT NULL REFERENCES users (id),
    org_unit         TEXT NOT NULL REFERENCES org_units (code),
    period_key       TEXT NOT NULL,
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    revision         INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('submitted', 'acknowledged', 'needs_clarification')),
    late             INTEGER NOT NULL,
    first_received_at INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (user_id, period_key)
) WITHOUT ROWID;

CREATE INDEX reports_by_unit ON reports (org_unit, period_key);
CREATE INDEX reports_by_period ON reports (period_key, org_unit);

CREATE TABLE report_revisions (
    report_id    TEXT NOT NULL REFERENCES reports (id),
    revision     INTEGER NOT NULL,
    content      TEXT NOT NULL,
    outcome_ids  TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    answers_review_id INTEGER,
    PRIMARY KEY (report_id, revision)
) WITHOUT ROWID;

-- Acknowledged, or a question for the cadre. Never a score.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   TEXT NOT NULL REFERENCES reports (id),
    revision    INTEGER NOT NULL,
    reviewer_id INTEGER NOT NULL REFERENCES users (id),
    verdict     TEXT NOT NULL CHECK (verdict IN ('acknowledged', 'needs_clarification')),
    question    TEXT,
    created_at  INTEGER NOT NULL
);

CREATE INDEX reviews_by_report ON reviews (report_id, id);

-- A reviewer reopens a locked period of one report for revisions until `until`.
CREATE TABLE reopenings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id   TEXT NOT NULL REFERENCES reports (id),
    reason      TEXT NOT NULL,
    until       INTEGER NOT NULL,
    reopened_by INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL
);

CREATE INDEX reopenings_by_report ON reopenings (report_id, until);
