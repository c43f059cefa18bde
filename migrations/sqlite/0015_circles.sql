-- The three circles and the 居民议事厅 (issue 16). A circle member is a resident (name, building/
-- unit/room), a merchant (shop, address, contact) or a unit (organisation) of a community, and
-- of one micro-grid when they belong to one; `left_at` when they left the circle (they stay named
-- in the meetings they were at). A deliberation is one 议事: what it was about (a ticket or a
-- 治理项目), who was there, the minutes, decision and vote, and `solved_at` when the problem was
-- solved through the circle. Its cost, when it shared one, is `cost_*` with one row per sharer in
-- `cost_shares` (amounts in fen, adding up to the total). Times are UTC milliseconds.
CREATE TABLE circle_members (
    id             INTEGER PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL,
    micro_code     TEXT,
    circle         TEXT NOT NULL CHECK (circle IN ('neighbours', 'merchants', 'units')),
    name           TEXT NOT NULL,
    contact        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    address        TEXT NOT NULL,
    area_m2        REAL CHECK (area_m2 > 0),
    party_member   INTEGER NOT NULL CHECK (party_member IN (0, 1)),
    added_by       TEXT NOT NULL,
    joined_at      INTEGER NOT NULL,
    left_at        INTEGER
);
CREATE INDEX circle_members_by_community ON circle_members (community_code, circle);

CREATE TABLE deliberations (
    id             INTEGER PRIMARY KEY NOT NULL,
    community_code TEXT NOT NULL,
    micro_code     TEXT,
    topic          TEXT NOT NULL,
    place          TEXT NOT NULL,
    held_at        INTEGER NOT NULL,
    ticket_id      INTEGER REFERENCES tickets (id),
    project_id     INTEGER REFERENCES projects (id),
    attendees      INTEGER NOT NULL CHECK (attendees > 0),
    minutes        TEXT NOT NULL,
    decision       TEXT NOT NULL,
    votes_for      INTEGER,
    votes_against  INTEGER,
    votes_abstain  INTEGER,
    cost_item      TEXT,
    cost_fen       INTEGER CHECK (cost_fen > 0),
    cost_rule      TEXT CHECK (cost_rule IN ('equal', 'by_area', 'agreed')),
    solved_at      INTEGER,
    recorded_by    TEXT NOT NULL,
    recorded_at    INTEGER NOT NULL
);
CREATE INDEX deliberations_by_community ON deliberations (community_code, held_at);
CREATE INDEX deliberations_solved ON deliberations (solved_at) WHERE solved_at IS NOT NULL;

CREATE TABLE deliberation_participants (
    deliberation_id INTEGER NOT NULL REFERENCES deliberations (id),
    member_id       INTEGER NOT NULL REFERENCES circle_members (id),
    PRIMARY KEY (deliberation_id, member_id)
);

CREATE TABLE cost_shares (
    deliberation_id  INTEGER NOT NULL REFERENCES deliberations (id),
    member_id        INTEGER NOT NULL REFERENCES circle_members (id),
    position         INTEGER NOT NULL,
    area_m2          REAL,
    agreed_fen       INTEGER,
    amount_fen       INTEGER NOT NULL CHECK (amount_fen >= 0),
    paid_at          INTEGER,
    paid_recorded_by TEXT,
    PRIMARY KEY (deliberation_id, member_id)
);
