-- privfed results store, schema version 1: jobs, rounds, stage runs, metrics, model artifacts.
-- Applied once, in a transaction, by ResultsStore; its SHA-256 is recorded in privfed_migrations
-- and an applied migration whose file later changes is refused.

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL,
    manifest_path    TEXT    NOT NULL,
    manifest_text    TEXT    NOT NULL,              -- the manifest exactly as submitted
    manifest_sha256  TEXT    NOT NULL,              -- SHA-256 of manifest_text (UTF-8), lowercase hex
    seed             INTEGER NOT NULL,
    randomness       TEXT    NOT NULL CHECK (randomness IN ('reproducible', 'secure')),
    code_version     TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed',
                                                        'budget_exhausted', 'cancelled')),
    error            TEXT,
    rounds_planned   INTEGER NOT NULL,
    rounds_completed INTEGER NOT NULL DEFAULT 0,
    worker           TEXT,                          -- who holds the job while it runs
    lease_expires_at TEXT,                          -- ISO 8601 UTC; an expired lease may be taken over
    created_at       TEXT    NOT NULL,
    started_at       TEXT,
    finished_at      TEXT
);
CREATE INDEX jobs_status ON jobs (status, id);

CREATE TABLE rounds (
    job_id           INTEGER NOT NULL REFERENCES jobs (id),
    round            INTEGER NOT NULL,              -- 0 holds the set-up stages (load data, partition, init)
    -- released: the round's updates have left the clients and its privacy spend is recorded;
    -- succeeded: aggregated and evaluated.
    status           TEXT    NOT NULL CHECK (status IN ('released', 'succeeded', 'failed', 'budget_exhausted')),
    selected_clients TEXT    NOT NULL,              -- JSON array of client indices
    started_at       TEXT    NOT NULL,
    finished_at      TEXT    NOT NULL,
    PRIMARY KEY (job_id, round)
);

CREATE TABLE stage_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    round       INTEGER NOT NULL,
    stage       TEXT    NOT NULL,
    client      INTEGER,                            -- NULL for aggregator-side stages
    started_at  TEXT    NOT NULL,
    duration_ms REAL    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed')),
    error       TEXT
);
CREATE INDEX stage_runs_job ON stage_runs (job_id, round);

CREATE TABLE metrics (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  INTEGER NOT NULL REFERENCES jobs (id),
    round   INTEGER NOT NULL,
    stage   TEXT    NOT NULL,
    client  INTEGER,
    name    TEXT    NOT NULL,                       -- accuracy, loss, bytes_sent, samples, ...
    value   REAL    NOT NULL,
    unit    TEXT    NOT NULL                        -- ratio, nats, bytes, count, ms, ...
);
CREATE INDEX metrics_job ON metrics (job_id, round, name);

CREATE TABLE artifacts (
    job_id  INTEGER NOT NULL REFERENCES jobs (id),
    round   INTEGER NOT NULL,
    kind    TEXT    NOT NULL,                       -- global_model
    sha256  TEXT    NOT NULL,                       -- of the little-endian float32 parameter bytes
    bytes   INTEGER NOT NULL,
    PRIMARY KEY (job_id, round, kind)
);
