-- The same as ../sqlite/0010_login_names.sql in PostgreSQL types: the one login budget per name
-- that every server process on the database shares.
CREATE TABLE login_names (
    name         TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT,
    last_at      BIGINT NOT NULL
);
CREATE INDEX login_names_last ON login_names (last_at);
ALTER TABLE accounts DROP COLUMN failed_logins;
ALTER TABLE accounts DROP COLUMN locked_until;
