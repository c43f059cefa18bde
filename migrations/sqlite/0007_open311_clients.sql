-- Open311 clients (docs/api-open311.md): each posts with its own API key, known here by the
-- SHA-256 of the key (hex); the key itself is never stored. Times are UTC milliseconds.
CREATE TABLE open311_clients (
    id         INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
