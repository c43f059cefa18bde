-- The same as ../sqlite/0012_projects.sql in PostgreSQL types.
CREATE TABLE projects (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          TEXT NOT NULL,
    goal           TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('planned', 'underway', 'done')),
    category       TEXT,
    community_code TEXT,
    area           TEXT NOT NULL,
    budget_fen     BIGINT,
    responsible    TEXT NOT NULL,
    started_on     TEXT,
    finished_on    TEXT,
    milestones     TEXT NOT NULL,
    hotspot        TEXT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL
);
CREATE INDEX projects_by_community ON projects (community_code, id);

CREATE TABLE project_tickets (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (project_id, ticket_id)
);
CREATE INDEX project_tickets_by_ticket ON project_tickets (ticket_id);
