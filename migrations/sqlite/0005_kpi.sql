-- KPI counts in SQL (issue 6). Tickets received in a window already walk tickets_by_received
-- and tickets_by_community; these serve the rest: 结案率 by closure deadline, the overdue
-- snapshot (open tickets by deadline, and tickets closed only after a window's end), and
-- figures of one micro-grid. The first three carry every column their street-wide count reads,
-- so it never visits the table.
CREATE INDEX tickets_by_due ON tickets (due_at, state, closed_at);
CREATE INDEX tickets_open_by_due ON tickets (due_at, received_at, state, closed_at)
    WHERE closed_at IS NULL;
CREATE INDEX tickets_by_closed ON tickets (closed_at, due_at, received_at, state)
    WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_by_micro ON tickets (micro_code, received_at);
