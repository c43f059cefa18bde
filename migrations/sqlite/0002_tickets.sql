-- Tickets of the closed loop. `ticket_events` is the append-only record and the source of truth;
-- a `tickets` row is its projection (`body` holds the whole projected ticket as JSON, the other
-- columns repeat what lists, maps and KPIs filter and count on). Times are UTC milliseconds.
CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY NOT NULL,
    channel          TEXT NOT NULL,
    external_id      TEXT,
    category         TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    state            TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1),
    community_code   TEXT,
    micro_code       TEXT,
    unit_code        TEXT,
    unrouted         TEXT,
    lon              REAL,
    lat              REAL,
    received_at      INTEGER NOT NULL,
    contact_due_at   INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,
    first_contact_at INTEGER,
    closed_at        INTEGER,
    updated_at       INTEGER NOT NULL,
    owner_grid       TEXT,
    assignee_grid    TEXT,
    assignee_worker  TEXT,
    handling_mode    TEXT,
    escalated_to     TEXT,
    delegated        INTEGER NOT NULL CHECK (delegated IN (0, 1)),
    outcome          TEXT,
    satisfaction     TEXT,
    reopen_count     INTEGER NOT NULL,
    duplicate_of     INTEGER,
    flagged_of       INTEGER,
    body             TEXT NOT NULL
);
-- One ticket per upstream order: re-importing a 12345 file creates nothing new.
CREATE UNIQUE INDEX tickets_by_external_id ON tickets (channel, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX tickets_by_state ON tickets (state, received_at);
CREATE INDEX tickets_by_community ON tickets (community_code, received_at);
CREATE INDEX tickets_by_received ON tickets (received_at);
CREATE INDEX tickets_by_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;

CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY NOT NULL,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    version     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    change      TEXT NOT NULL,
    UNIQUE (ticket_id, version)
);

-- Operator settings kept as JSON documents: the category catalogue and the SLA table.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
