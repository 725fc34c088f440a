-- The administrative tree, people, and the append-only audit log.
-- Codes are significant-digit division codes: a subtree is the key range
-- [code, code with its last digit bumped), so `code` needs byte-wise ordering.

CREATE TABLE org_units (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
    parent_code TEXT REFERENCES org_units (code)
) WITHOUT ROWID;

CREATE INDEX org_units_by_parent ON org_units (parent_code, code);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('cadre', 'reviewer', 'admin')),
    org_unit      TEXT NOT NULL REFERENCES org_units (code),
    created_at    INTEGER NOT NULL
);

CREATE INDEX users_by_org_unit ON users (org_unit);

-- Every configuration change: who, when, what, before and after (JSON text).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor_id  INTEGER REFERENCES users (id),
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    scope     TEXT NOT NULL,
    target    TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);

CREATE INDEX audit_log_by_scope ON audit_log (scope, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
