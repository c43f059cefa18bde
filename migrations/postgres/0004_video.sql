-- The same as ../sqlite/0004_video.sql in PostgreSQL types: camera stream sources, the
-- snapshots of camera alerts, door-access events.
ALTER TABLE devices ADD COLUMN stream TEXT;
UPDATE devices SET stream = 'testsrc:'
 WHERE kind = 'camera' AND EXISTS (SELECT 1 FROM dataset_source WHERE source = 'demo');

CREATE TABLE camera_snapshots (
    id        TEXT PRIMARY KEY NOT NULL,
    camera_id TEXT NOT NULL,
    taken_at  BIGINT NOT NULL,
    jpeg      BYTEA NOT NULL
);

CREATE TABLE door_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id TEXT NOT NULL,
    at      BIGINT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('forced', 'held_open', 'restored')),
    detail  TEXT
);
CREATE INDEX door_events_by_unit ON door_events (unit_id, id);
