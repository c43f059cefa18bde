-- 未诉先办 (issue 16): every hotspot analysis the center ran, daily or on demand, kept whole as
-- it answered (the clusters with their places, windows, counts and p-values), so the panel shows
-- the last daily run at once and an earlier finding can be read again as it was. Times are UTC
-- milliseconds; `analysis_day` the Beijing day the windows end on (YYYY-MM-DD).
CREATE TABLE hotspot_runs (
    id           INTEGER PRIMARY KEY NOT NULL,
    ran_at       INTEGER NOT NULL,
    trigger      TEXT NOT NULL CHECK (trigger IN ('daily', 'on_demand')),
    mode         TEXT NOT NULL CHECK (mode IN ('prospective', 'retrospective')),
    analysis_day TEXT NOT NULL,
    account      TEXT,
    significant  INTEGER NOT NULL,
    body         TEXT NOT NULL
);
CREATE INDEX hotspot_runs_by_trigger ON hotspot_runs (trigger, id);
CREATE UNIQUE INDEX hotspot_runs_one_daily ON hotspot_runs (analysis_day) WHERE trigger = 'daily';
