-- The administrative tree, people, and the append-only audit log.
-- Codes are significant-digit division codes: a subtree is the key range
-- [code, code with its last digit bumped), so `code` uses the byte-wise "C" collation.

CREATE TABLE org_units (
    code        TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
    parent_code TEXT COLLATE "C" REFERENCES org_units (code)
);

CREATE INDEX org_units_by_parent ON org_units (parent_code, code);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('cadre', 'reviewer', 'admin')),
    org_unit      TEXT COLLATE "C" NOT NULL REFERENCES org_units (code),
    created_at    BIGINT NOT NULL
);

CREATE INDEX users_by_org_unit ON users (org_unit);

-- Every configuration change: who, when, what, before and after (JSON text).
CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor_id  BIGINT REFERENCES users (id),
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    scope     TEXT COLLATE "C" NOT NULL,
    target    TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);

CREATE INDEX audit_log_by_scope ON audit_log (scope, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
