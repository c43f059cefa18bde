-- The same as ../sqlite/0014_diary.sql in PostgreSQL types.
CREATE TABLE diary_entries (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_id      TEXT NOT NULL,
    community_code TEXT NOT NULL,
    micro_code     TEXT NOT NULL,
    unit_code      TEXT,
    kind           TEXT NOT NULL CHECK (kind IN ('visit', 'patrol', 'meeting', 'callback')),
    visited_at     BIGINT NOT NULL,
    households     BIGINT NOT NULL CHECK (households >= 0),
    concerns       TEXT NOT NULL,
    follow_up      TEXT NOT NULL,
    category       TEXT,
    ticket_id      BIGINT REFERENCES tickets (id),
    written_by     TEXT NOT NULL,
    written_at     BIGINT NOT NULL
);
CREATE INDEX diary_entries_by_community ON diary_entries (community_code, visited_at);
CREATE INDEX diary_entries_by_micro ON diary_entries (micro_code, visited_at);
CREATE INDEX diary_entries_by_worker ON diary_entries (worker_id, visited_at);

CREATE TABLE unit_wards (
    unit_code      TEXT PRIMARY KEY NOT NULL,
    micro_code     TEXT NOT NULL,
    community_code TEXT NOT NULL,
    worker_id      TEXT NOT NULL,
    households     BIGINT NOT NULL CHECK (households >= 0),
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX unit_wards_by_worker ON unit_wards (worker_id);
CREATE INDEX unit_wards_by_micro ON unit_wards (micro_code);
CREATE INDEX unit_wards_by_community ON unit_wards (community_code);
