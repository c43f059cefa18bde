-- The same as ../sqlite/0015_circles.sql in PostgreSQL types.
CREATE TABLE circle_members (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_code TEXT NOT NULL,
    micro_code     TEXT,
    circle         TEXT NOT NULL CHECK (circle IN ('neighbours', 'merchants', 'units')),
    name           TEXT NOT NULL,
    contact        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    address        TEXT NOT NULL,
    area_m2        DOUBLE PRECISION CHECK (area_m2 > 0),
    party_member   BOOLEAN NOT NULL,
    added_by       TEXT NOT NULL,
    joined_at      BIGINT NOT NULL,
    left_at        BIGINT
);
CREATE INDEX circle_members_by_community ON circle_members (community_code, circle);

CREATE TABLE deliberations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_code TEXT NOT NULL,
    micro_code     TEXT,
    topic          TEXT NOT NULL,
    place          TEXT NOT NULL,
    held_at        BIGINT NOT NULL,
    ticket_id      BIGINT REFERENCES tickets (id),
    project_id     BIGINT REFERENCES projects (id),
    attendees      BIGINT NOT NULL CHECK (attendees > 0),
    minutes        TEXT NOT NULL,
    decision       TEXT NOT NULL,
    votes_for      BIGINT,
    votes_against  BIGINT,
    votes_abstain  BIGINT,
    cost_item      TEXT,
    cost_fen       BIGINT CHECK (cost_fen > 0),
    cost_rule      TEXT CHECK (cost_rule IN ('equal', 'by_area', 'agreed')),
    solved_at      BIGINT,
    recorded_by    TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL
);
CREATE INDEX deliberations_by_community ON deliberations (community_code, held_at);
CREATE INDEX deliberations_solved ON deliberations (solved_at) WHERE solved_at IS NOT NULL;

CREATE TABLE deliberation_participants (
    deliberation_id BIGINT NOT NULL REFERENCES deliberations (id),
    member_id       BIGINT NOT NULL REFERENCES circle_members (id),
    PRIMARY KEY (deliberation_id, member_id)
);

CREATE TABLE cost_shares (
    deliberation_id  BIGINT NOT NULL REFERENCES deliberations (id),
    member_id        BIGINT NOT NULL REFERENCES circle_members (id),
    position         BIGINT NOT NULL,
    area_m2          DOUBLE PRECISION,
    agreed_fen       BIGINT,
    amount_fen       BIGINT NOT NULL CHECK (amount_fen >= 0),
    paid_at          BIGINT,
    paid_recorded_by TEXT,
    PRIMARY KEY (deliberation_id, member_id)
);
