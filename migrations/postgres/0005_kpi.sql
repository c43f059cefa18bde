-- The same indexes as ../sqlite/0005_kpi.sql: KPI counts by closure deadline, the overdue
-- snapshot, and figures of one micro-grid.
CREATE INDEX tickets_by_due ON tickets (due_at, state, closed_at);
CREATE INDEX tickets_open_by_due ON tickets (due_at, received_at, state, closed_at)
    WHERE closed_at IS NULL;
CREATE INDEX tickets_by_closed ON tickets (closed_at, due_at, received_at, state)
    WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_by_micro ON tickets (micro_code, received_at);
