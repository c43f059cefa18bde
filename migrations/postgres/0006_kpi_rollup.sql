-- KPI rollups (issue 6), as ../sqlite/0006_kpi_rollup.sql: a year of millions of tickets is counted from a few thousand rows.
-- The store keeps them in step with every write of a `tickets` row, in the same transaction
-- (kpi_tables.rs, `roll_up`): the old row's part is taken away, the new row's added.
--
-- Every rollup row sums tickets of one bucket: `grain` 1 is a Beijing day (`at` = days since
-- 1970-01-01 in Beijing time), `grain` 2 a Beijing month (`at` = year * 100 + month). Each ticket
-- counts once in each grain. Codes a ticket lacks are stored as '' (a key column cannot be NULL).
-- Only what does not depend on the moment of reading is summed here; "response known" and
-- "resolution known" are the counted tickets less those still awaiting a contact or a result,
-- which a small live query finds (tickets_awaiting_* below).

-- Tickets by the day and month they were received: the dashboard counts and categories.
CREATE TABLE kpi_received (
    grain            INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    community_code   TEXT NOT NULL,
    category         TEXT NOT NULL,
    received         INTEGER NOT NULL,
    excluded         INTEGER NOT NULL,
    still_open       INTEGER NOT NULL,
    responded        INTEGER NOT NULL,
    solved           INTEGER NOT NULL,
    satisfied        INTEGER NOT NULL,
    rated            INTEGER NOT NULL,
    basic            INTEGER NOT NULL,
    delegated        INTEGER NOT NULL,
    delegated_solved INTEGER NOT NULL,
    PRIMARY KEY (grain, at, community_code, category)
);

-- Counted tickets by the day and month they were received, per community, micro-grid and
-- worker: the assessment of each subject.
CREATE TABLE kpi_subjects (
    grain            INTEGER NOT NULL,
    at               INTEGER NOT NULL,
    community_code   TEXT NOT NULL,
    micro_code       TEXT NOT NULL,
    assignee_worker  TEXT NOT NULL,
    received         INTEGER NOT NULL,
    excluded         INTEGER NOT NULL,
    still_open       INTEGER NOT NULL,
    responded        INTEGER NOT NULL,
    solved           INTEGER NOT NULL,
    satisfied        INTEGER NOT NULL,
    rated            INTEGER NOT NULL,
    basic            INTEGER NOT NULL,
    delegated        INTEGER NOT NULL,
    delegated_solved INTEGER NOT NULL,
    PRIMARY KEY (grain, at, community_code, micro_code, assignee_worker)
);

-- Counted tickets by deadline: `due`, `closed`, `on_time` in the bucket of due_at (结案率);
-- `late_from` in the bucket where the ticket is both received and past due
-- (max(received_at, due_at)), `late_until` in the bucket where it is moreover closed
-- (max(received_at, due_at, closed_at)). Open and overdue at the start of day D is then
-- SUM(late_from) - SUM(late_until) over every bucket before D.
CREATE TABLE kpi_deadlines (
    grain          INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    community_code TEXT NOT NULL,
    micro_code     TEXT NOT NULL,
    due            INTEGER NOT NULL,
    closed         INTEGER NOT NULL,
    on_time        INTEGER NOT NULL,
    late_from      INTEGER NOT NULL,
    late_until     INTEGER NOT NULL,
    PRIMARY KEY (grain, at, community_code, micro_code)
);

-- Counted tickets still without a contact or a result, by the deadline that decides it: those
-- whose deadline is still to come at the moment of reading are the live part of the rates, and
-- they are found by one short range from that moment on, however long the window.
CREATE INDEX tickets_awaiting_contact ON tickets (contact_due_at, received_at, state,
    first_contact_at, community_code, micro_code, assignee_worker, category)
    WHERE first_contact_at IS NULL AND state NOT IN ('cancelled', 'merged');
CREATE INDEX tickets_awaiting_outcome ON tickets (due_at, received_at, state, outcome,
    delegated, community_code, micro_code, assignee_worker, category)
    WHERE outcome IS NULL AND state NOT IN ('cancelled', 'merged');

-- The tickets stored so far.
INSERT INTO kpi_received
WITH t AS (
    SELECT ((received_at + 28800000) / 86400000)::integer AS day,
           COALESCE(community_code, '') AS community, category,
           CASE WHEN state NOT IN ('cancelled', 'merged') THEN 1 ELSE 0 END AS counted,
           CASE WHEN state NOT IN ('closed', 'cancelled', 'merged') THEN 1 ELSE 0 END AS still_open,
           CASE WHEN first_contact_at <= contact_due_at THEN 1 ELSE 0 END AS responded,
           CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END AS solved,
           CASE WHEN satisfaction = 'satisfied' THEN 1 ELSE 0 END AS satisfied,
           CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END AS rated,
           CASE WHEN satisfaction = 'basic' THEN 1 ELSE 0 END AS basic,
           CASE WHEN delegated THEN 1 ELSE 0 END AS delegated
    FROM tickets),
b AS (
    SELECT 1 AS grain, day AS at, t.* FROM t
    UNION ALL
    SELECT 2, to_char(DATE '1970-01-01' + day, 'YYYYMM')::integer, t.* FROM t)
SELECT grain, at, community, category,
       SUM(counted), SUM(1 - counted), SUM(counted * still_open), SUM(counted * responded),
       SUM(counted * solved), SUM(counted * satisfied), SUM(counted * rated), SUM(counted * basic),
       SUM(counted * delegated), SUM(counted * delegated * solved)
FROM b GROUP BY grain, at, community, category;

INSERT INTO kpi_subjects
WITH t AS (
    SELECT ((received_at + 28800000) / 86400000)::integer AS day,
           COALESCE(community_code, '') AS community, COALESCE(micro_code, '') AS micro,
           COALESCE(assignee_worker, '') AS worker,
           CASE WHEN state NOT IN ('closed', 'cancelled', 'merged') THEN 1 ELSE 0 END AS still_open,
           CASE WHEN first_contact_at <= contact_due_at THEN 1 ELSE 0 END AS responded,
           CASE WHEN outcome = 'solved' THEN 1 ELSE 0 END AS solved,
           CASE WHEN satisfaction = 'satisfied' THEN 1 ELSE 0 END AS satisfied,
           CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END AS rated,
           CASE WHEN satisfaction = 'basic' THEN 1 ELSE 0 END AS basic,
           CASE WHEN delegated THEN 1 ELSE 0 END AS delegated
    FROM tickets WHERE state NOT IN ('cancelled', 'merged')),
b AS (
    SELECT 1 AS grain, day AS at, t.* FROM t
    UNION ALL
    SELECT 2, to_char(DATE '1970-01-01' + day, 'YYYYMM')::integer, t.* FROM t)
SELECT grain, at, community, micro, worker,
       COUNT(*), 0, SUM(still_open), SUM(responded), SUM(solved), SUM(satisfied), SUM(rated),
       SUM(basic), SUM(delegated), SUM(delegated * solved)
FROM b GROUP BY grain, at, community, micro, worker;

INSERT INTO kpi_deadlines
WITH counted AS (
    SELECT * FROM tickets WHERE state NOT IN ('cancelled', 'merged')),
t AS (
    SELECT ((due_at + 28800000) / 86400000)::integer AS day,
           COALESCE(community_code, '') AS community, COALESCE(micro_code, '') AS micro, 1 AS due,
           CASE WHEN closed_at IS NOT NULL THEN 1 ELSE 0 END AS closed,
           CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END AS on_time,
           0 AS late_from, 0 AS late_until
    FROM counted
    UNION ALL
    SELECT ((GREATEST(received_at, due_at) + 28800000) / 86400000)::integer,
           COALESCE(community_code, ''), COALESCE(micro_code, ''), 0, 0, 0, 1, 0
    FROM counted
    UNION ALL
    SELECT ((GREATEST(received_at, due_at, closed_at) + 28800000) / 86400000)::integer,
           COALESCE(community_code, ''), COALESCE(micro_code, ''), 0, 0, 0, 0, 1
    FROM counted WHERE closed_at IS NOT NULL),
b AS (
    SELECT 1 AS grain, day AS at, t.* FROM t
    UNION ALL
    SELECT 2, to_char(DATE '1970-01-01' + day, 'YYYYMM')::integer, t.* FROM t)
SELECT grain, at, community, micro, SUM(due), SUM(closed), SUM(on_time), SUM(late_from),
       SUM(late_until)
FROM b GROUP BY grain, at, community, micro;
