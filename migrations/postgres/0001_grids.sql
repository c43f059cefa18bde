-- The four-level grid of one street, the workers posted to it and its field devices: the same
-- tables as ../sqlite/0001_grids.sql in PostgreSQL types.
-- Geometry is a GeoJSON geometry object in WGS84 longitude/latitude, kept as text.
CREATE TABLE grids (
    code        TEXT PRIMARY KEY NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('street', 'community', 'micro', 'unit')),
    parent_code TEXT REFERENCES grids (code),
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    kind        TEXT CHECK (kind IN ('street_lane', 'compound')),
    population  BIGINT NOT NULL CHECK (population >= 0),
    synthetic   BOOLEAN NOT NULL,
    geometry    TEXT NOT NULL
);
CREATE INDEX grids_by_parent ON grids (parent_code);

CREATE TABLE workers (
    id        TEXT PRIMARY KEY NOT NULL,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('full_time', 'part_time')),
    role      TEXT NOT NULL,
    grid_code TEXT NOT NULL REFERENCES grids (code),
    phone     TEXT NOT NULL,
    lon       DOUBLE PRECISION NOT NULL,
    lat       DOUBLE PRECISION NOT NULL
);
CREATE INDEX workers_by_grid ON workers (grid_code);

CREATE TABLE devices (
    id        TEXT PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('camera', 'checkpoint', 'door_access')),
    name      TEXT NOT NULL,
    grid_code TEXT NOT NULL REFERENCES grids (code),
    lon       DOUBLE PRECISION NOT NULL,
    lat       DOUBLE PRECISION NOT NULL
);
CREATE INDEX devices_by_grid ON devices (grid_code);

-- Where the stored grids came from: 'demo' or 'import', and when (UTC, RFC 3339).
CREATE TABLE dataset_source (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    source      TEXT NOT NULL CHECK (source IN ('demo', 'import')),
    description TEXT NOT NULL,
    loaded_at   TEXT NOT NULL
);
