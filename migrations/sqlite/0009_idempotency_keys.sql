-- Answers kept for requests sent with an `Idempotency-Key` (issue 15): a terminal that replays
-- its queued actions after a lost connection gets the first answer again instead of acting
-- twice. One row per key and account (or per key for callers without one); `status` is NULL
-- while the first request is still being answered. Kept 24 hours. Times are UTC milliseconds.
CREATE TABLE idempotency_keys (
    account        TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    method         TEXT NOT NULL,
    target         TEXT NOT NULL,
    request_sha256 TEXT,
    status         INTEGER,
    content_type   TEXT,
    body           BLOB,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (account, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
