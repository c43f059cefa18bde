-- 治理项目 (issue 16): governance projects — a goal for an area (micro-grids or communities,
-- JSON array of codes) and optionally one category, a budget in fen, someone responsible,
-- milestones (JSON), the hotspot it came from (`run:rank`), and the tickets it answers. Its
-- effect is counted from the tickets when read, never stored. `community_code` is the one
-- community the whole area lies in (a commander's to see and edit), NULL when it spans several.
-- Days are Beijing dates (YYYY-MM-DD); times UTC milliseconds.
CREATE TABLE projects (
    id             INTEGER PRIMARY KEY NOT NULL,
    title          TEXT NOT NULL,
    goal           TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('planned', 'underway', 'done')),
    category       TEXT,
    community_code TEXT,
    area           TEXT NOT NULL,
    budget_fen     INTEGER,
    responsible    TEXT NOT NULL,
    started_on     TEXT,
    finished_on    TEXT,
    milestones     TEXT NOT NULL,
    hotspot        TEXT,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL
);
CREATE INDEX projects_by_community ON projects (community_code, id);

CREATE TABLE project_tickets (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (project_id, ticket_id)
);
CREATE INDEX project_tickets_by_ticket ON project_tickets (ticket_id);
