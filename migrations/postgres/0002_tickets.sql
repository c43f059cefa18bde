-- Tickets of the closed loop: the same tables as ../sqlite/0002_tickets.sql in PostgreSQL types.
-- `ticket_events` is the append-only record and the source of truth; a `tickets` row is its
-- projection (`body` holds the whole projected ticket as JSON, the other columns repeat what
-- lists, maps and KPIs filter and count on). Times are UTC milliseconds. JSON stays TEXT so both
-- backends store the very same text.
CREATE TABLE tickets (
    id               BIGINT PRIMARY KEY NOT NULL,
    channel          TEXT NOT NULL,
    external_id      TEXT,
    category         TEXT NOT NULL,
    urgency          TEXT NOT NULL,
    state            TEXT NOT NULL,
    version          BIGINT NOT NULL CHECK (version >= 1),
    community_code   TEXT,
    micro_code       TEXT,
    unit_code        TEXT,
    unrouted         TEXT,
    lon              DOUBLE PRECISION,
    lat              DOUBLE PRECISION,
    received_at      BIGINT NOT NULL,
    contact_due_at   BIGINT NOT NULL,
    due_at           BIGINT NOT NULL,
    first_contact_at BIGINT,
    closed_at        BIGINT,
    updated_at       BIGINT NOT NULL,
    owner_grid       TEXT,
    assignee_grid    TEXT,
    assignee_worker  TEXT,
    handling_mode    TEXT,
    escalated_to     TEXT,
    delegated        BOOLEAN NOT NULL,
    outcome          TEXT,
    satisfaction     TEXT,
    reopen_count     BIGINT NOT NULL,
    duplicate_of     BIGINT,
    flagged_of       BIGINT,
    body             TEXT NOT NULL
);
-- Ticket ids are reserved before their rows are written (the intake links duplicates inside a
-- batch first), so they come from a sequence rather than a column default.
CREATE SEQUENCE ticket_ids OWNED BY tickets.id;
-- One ticket per upstream order: re-importing a 12345 file creates nothing new.
CREATE UNIQUE INDEX tickets_by_external_id ON tickets (channel, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX tickets_by_state ON tickets (state, received_at);
CREATE INDEX tickets_by_community ON tickets (community_code, received_at);
CREATE INDEX tickets_by_received ON tickets (received_at);
CREATE INDEX tickets_by_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- Event ids are no sequence: each writing transaction takes max(id) + 1 … under an advisory
-- lock, so they are gapless and in commit order (the live stream's event id).
CREATE TABLE ticket_events (
    id          BIGINT PRIMARY KEY NOT NULL,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    version     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
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
