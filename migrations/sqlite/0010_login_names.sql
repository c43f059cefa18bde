-- The login throttle kept in the database (issue 15), so every server process on one database
-- shares one budget per login name: an attempt is counted here before its password is hashed
-- (and forgotten again when it succeeds), whether or not an account has that name, so parallel
-- guesses spread over several processes get no more password checks than one process gives and
-- the throttle tells nothing about which accounts exist. It replaces the accounts' own counters,
-- which only real accounts had. Times are UTC milliseconds.
CREATE TABLE login_names (
    name         TEXT PRIMARY KEY NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until INTEGER,
    last_at      INTEGER NOT NULL
);
CREATE INDEX login_names_last ON login_names (last_at);
ALTER TABLE accounts DROP COLUMN failed_logins;
ALTER TABLE accounts DROP COLUMN locked_until;
