-- Departments (一表通): a department (县委组织部, 县农业农村局 …) belongs to a unit and
-- reviews that unit's subtree; reviewers belong to one. The organization department
-- (`sees_everything`) sees whole reports; every other department sees only the fields and
-- outcome categories that answer its data needs, and reviews its own part.

CREATE TABLE departments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    org_unit        TEXT NOT NULL REFERENCES org_units (code),
    name            TEXT NOT NULL,
    sees_everything INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    UNIQUE (org_unit, name)
);

-- Existing reviewers keep working: each unit with reviewers gets its organization
-- department, and its reviewers are put in it.
INSERT INTO departments (org_unit, name, sees_everything, created_at)
SELECT DISTINCT org_unit, '组织部门', 1, 0 FROM users WHERE role = 'reviewer';

ALTER TABLE users ADD COLUMN department_id INTEGER REFERENCES departments (id);
UPDATE users SET department_id = (
    SELECT d.id FROM departments d WHERE d.org_unit = users.org_unit AND d.sees_everything = 1
) WHERE role = 'reviewer';

-- A data need belongs to a department (the free-text name of old rows becomes one) and is
-- answered by a template field (`field_key`) or by the outcomes of one category.
INSERT INTO departments (org_unit, name, sees_everything, created_at)
SELECT DISTINCT n.org_unit, n.department, 0, 0 FROM data_needs n
WHERE NOT EXISTS (SELECT 1 FROM departments d WHERE d.org_unit = n.org_unit AND d.name = n.department);

ALTER TABLE data_needs ADD COLUMN department_id INTEGER REFERENCES departments (id);
ALTER TABLE data_needs ADD COLUMN outcome_category TEXT;
UPDATE data_needs SET department_id = (
    SELECT d.id FROM departments d WHERE d.org_unit = data_needs.org_unit AND d.name = data_needs.department
);
CREATE INDEX data_needs_by_department ON data_needs (department_id, id);

-- A review is made for a department: each department acknowledges or asks about its own
-- part, and its status of a report is its latest review (see db::departments).
ALTER TABLE reviews ADD COLUMN department_id INTEGER REFERENCES departments (id);
UPDATE reviews SET department_id = (SELECT u.department_id FROM users u WHERE u.id = reviews.reviewer_id);
CREATE INDEX reviews_by_department ON reviews (report_id, department_id, id);
