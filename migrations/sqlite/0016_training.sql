-- A training run (issue 17), kept in a training server's own database (`binhe-server train`):
-- at most one run per database (`id` 1). `scenario` is the scenario file's text as it was played
-- and `name` its file name; `clock` every setting the trainer's clock had (JSON, oldest first),
-- which reads any instant of the run as the story's second; `injected` the incidents the trainer
-- sent while it played (JSON); `conflicts` the steps refused per account because another had
-- changed the ticket first (JSON); `played` how many moments of the run's schedule were played,
-- up to scenario second `second`. Times are UTC milliseconds.
CREATE TABLE training_runs (
    id            INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    name          TEXT NOT NULL,
    scenario      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    clock         TEXT NOT NULL,
    injected      TEXT NOT NULL,
    conflicts     TEXT NOT NULL,
    played        INTEGER NOT NULL CHECK (played >= 0),
    second        REAL NOT NULL CHECK (second >= 0),
    requests_sent INTEGER NOT NULL CHECK (requests_sent >= 0),
    ended_at      INTEGER
);

-- Each scripted request of the run with the ticket it became and the scenario second it came at.
CREATE TABLE training_arrivals (
    scripted  INTEGER PRIMARY KEY NOT NULL,
    ticket_id INTEGER NOT NULL,
    second    REAL NOT NULL
);
