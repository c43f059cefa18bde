-- The same tables as ../sqlite/0003_accounts.sql in PostgreSQL types.
-- Who may see what, who is signed in, and who did what.
--
-- Audience of tickets and events: the communities and workers involved, written as `|a|b|`
-- (`|` alone for none) so a scope is one `LIKE '%|code|%'`. NULL only on rows written before
-- this migration; the store fills those in when it opens.
ALTER TABLE tickets ADD COLUMN audience_communities TEXT;
ALTER TABLE tickets ADD COLUMN audience_workers TEXT;
ALTER TABLE ticket_events ADD COLUMN audience_communities TEXT;
ALTER TABLE ticket_events ADD COLUMN audience_workers TEXT;

-- Password hashes are argon2id PHC strings. Times are UTC milliseconds.
CREATE TABLE accounts (
    login         TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('dispatcher', 'commander', 'worker', 'administrator')),
    community     TEXT,
    worker_id     TEXT,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- A session is known by the SHA-256 of its token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    login      TEXT NOT NULL REFERENCES accounts (login) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    terminal   TEXT NOT NULL,
    address    TEXT NOT NULL
);
CREATE INDEX sessions_by_login ON sessions (login);

CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    account  TEXT NOT NULL,
    role     TEXT NOT NULL,
    terminal TEXT NOT NULL,
    address  TEXT NOT NULL,
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    status   BIGINT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX audit_by_at ON audit_log (at);
CREATE INDEX audit_by_account ON audit_log (account, at);
