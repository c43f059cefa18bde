-- The same as ../sqlite/0011_hotspot_runs.sql in PostgreSQL types. The unique daily index lets
-- several server processes on one database each try the daily run: one stores it.
CREATE TABLE hotspot_runs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ran_at       BIGINT NOT NULL,
    trigger      TEXT NOT NULL CHECK (trigger IN ('daily', 'on_demand')),
    mode         TEXT NOT NULL CHECK (mode IN ('prospective', 'retrospective')),
    analysis_day TEXT NOT NULL,
    account      TEXT,
    significant  BIGINT NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX hotspot_runs_by_trigger ON hotspot_runs (trigger, id);
CREATE UNIQUE INDEX hotspot_runs_one_daily ON hotspot_runs (analysis_day) WHERE trigger = 'daily';
