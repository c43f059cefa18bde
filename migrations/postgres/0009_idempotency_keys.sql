-- The same table as ../sqlite/0009_idempotency_keys.sql in PostgreSQL types: shared by every
-- server process on the database, so a replay reaching another process gets the same answer.
CREATE TABLE idempotency_keys (
    account        TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    method         TEXT NOT NULL,
    target         TEXT NOT NULL,
    request_sha256 TEXT,
    status         BIGINT,
    content_type   TEXT,
    body           BYTEA,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (account, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
