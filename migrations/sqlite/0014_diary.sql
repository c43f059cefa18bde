-- 民情日记 and 包户 (issue 16). A diary entry is one round of a grid worker's: where (the
-- micro-grid, and the unit when it was one door), when, how many households were met, what people
-- raised and what is to follow; `ticket_id` the proactive ticket its concern became (at most one:
-- that ticket's external id is `diary-<id>`). A ward (包户) gives each unit one worker who answers
-- for it, with its households. Times are UTC milliseconds.
CREATE TABLE diary_entries (
    id             INTEGER PRIMARY KEY NOT NULL,
    worker_id      TEXT NOT NULL,
    community_code TEXT NOT NULL,
    micro_code     TEXT NOT NULL,
    unit_code      TEXT,
    kind           TEXT NOT NULL CHECK (kind IN ('visit', 'patrol', 'meeting', 'callback')),
    visited_at     INTEGER NOT NULL,
    households     INTEGER NOT NULL CHECK (households >= 0),
    concerns       TEXT NOT NULL,
    follow_up      TEXT NOT NULL,
    category       TEXT,
    ticket_id      INTEGER REFERENCES tickets (id),
    written_by     TEXT NOT NULL,
    written_at     INTEGER NOT NULL
);
CREATE INDEX diary_entries_by_community ON diary_entries (community_code, visited_at);
CREATE INDEX diary_entries_by_micro ON diary_entries (micro_code, visited_at);
CREATE INDEX diary_entries_by_worker ON diary_entries (worker_id, visited_at);

CREATE TABLE unit_wards (
    unit_code      TEXT PRIMARY KEY NOT NULL,
    micro_code     TEXT NOT NULL,
    community_code TEXT NOT NULL,
    worker_id      TEXT NOT NULL,
    households     INTEGER NOT NULL CHECK (households >= 0),
    updated_by     TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX unit_wards_by_worker ON unit_wards (worker_id);
CREATE INDEX unit_wards_by_micro ON unit_wards (micro_code);
CREATE INDEX unit_wards_by_community ON unit_wards (community_code);
