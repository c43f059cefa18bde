-- Live video and door access (issue 5).
--
-- A camera's stream source: an RTSP URL, an upstream gateway's HTTP-FLV/HLS/MJPEG URL, or
-- `testsrc:` for the generated test picture. Cameras of a demo street stored before this
-- column existed play the test picture.
ALTER TABLE devices ADD COLUMN stream TEXT;
UPDATE devices SET stream = 'testsrc:'
 WHERE kind = 'camera' AND EXISTS (SELECT 1 FROM dataset_source WHERE source = 'demo');

-- The pictures video analytics sent with camera alerts, by their SHA-256 (hex): a ticket's
-- `snapshot` names one. Kept apart from the ticket body, which lists and the live stream carry.
CREATE TABLE camera_snapshots (
    id        TEXT PRIMARY KEY NOT NULL,
    camera_id TEXT NOT NULL,
    taken_at  INTEGER NOT NULL,
    jpeg      BLOB NOT NULL
);

-- What door-access units report: forced open, held open, and back to normal. No foreign key to
-- devices: a grid import replaces the devices, the record of what happened stays.
CREATE TABLE door_events (
    id      INTEGER PRIMARY KEY NOT NULL,
    unit_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('forced', 'held_open', 'restored')),
    detail  TEXT
);
CREATE INDEX door_events_by_unit ON door_events (unit_id, id);
