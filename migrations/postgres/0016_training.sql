-- A training run (issue 17), kept in a training server's own database (`binhe-server train`):
-- at most one run per database (`id` 1). `scenario` is the scenario file's text as it was played
-- and `name` its file name; `clock` every setting the trainer's clock had (JSON, oldest first),
-- which reads any instant of the run as the story's second; `injected` the incidents the trainer
-- sent while it played (JSON); `conflicts` the steps refused per account because another had
-- changed the ticket first (JSON); `played` how many moments of the run's schedule were played,
-- up to scenario second `second`. Times are UTC milliseconds.
CREATE TABLE training_runs (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    name          TEXT NOT NULL,
    scenario      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    clock         TEXT NOT NULL,
    injected      TEXT NOT NULL,
    conflicts     TEXT NOT NULL,
    played        BIGINT NOT NULL CHECK (played >= 0),
    second        DOUBLE PRECISION NOT NULL CHECK (second >= 0),
    requests_sent BIGINT NOT NULL CHECK (requests_sent >= 0),
    ended_at      BIGINT
);

-- Each scripted request of the run with the ticket it became and the scenario second it came at.
CREATE TABLE training_arrivals (
    scripted  BIGINT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    second    DOUBLE PRECISION NOT NULL
);
