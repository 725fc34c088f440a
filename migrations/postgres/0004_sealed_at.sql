-- When the cadre sealed a revision on the device (the device clock's claim, unix seconds),
-- and whether a late first revision had been sealed before due date + grace ("sealed on
-- time, delivered late"): shown as such, never as late.
ALTER TABLE report_revisions ADD COLUMN sealed_at BIGINT;
ALTER TABLE reports ADD COLUMN sealed_at BIGINT;
ALTER TABLE reports ADD COLUMN sealed_on_time BOOLEAN NOT NULL DEFAULT FALSE;
