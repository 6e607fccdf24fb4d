-- Crash-safe resume. A job's latest checkpoint is written in the same transaction as the round it
-- follows, so after a crash the database holds either the round and its checkpoint or neither.
-- Only the latest checkpoint per job is kept: resuming needs no other, every round's model hash
-- stays in artifacts, and a 30-round cnn job would otherwise hold 30 × 104 KB (mlp: 30 × 407 KB)
-- of models nobody reads. The final checkpoint is the job's final model.
CREATE TABLE checkpoints (
    job_id        INTEGER NOT NULL PRIMARY KEY REFERENCES jobs (id),
    round         INTEGER NOT NULL,            -- the last completed round (0 = set-up)
    learning_rate REAL    NOT NULL,            -- the learning rate of round + 1
    model         BLOB    NOT NULL,            -- global model after `round`, float32 little-endian
    model_sha256  TEXT    NOT NULL,            -- equals artifacts.sha256 of (job_id, round, 'global_model')
    he_epoch      INTEGER,                     -- key epoch in use after `round` (NULL without HE); never key material
    created_at    TEXT    NOT NULL
);

-- The clients' data shards as partitioned at set-up, written with round 0. A job with
-- randomness: secure cannot re-derive its partition, and an example must stay with its client
-- (its privacy spend is that client's). Training-example indices as uint32 little-endian:
-- for each client its count, then its indices in shard order.
CREATE TABLE partitions (
    job_id  INTEGER NOT NULL PRIMARY KEY REFERENCES jobs (id),
    shards  BLOB    NOT NULL,
    sha256  TEXT    NOT NULL
);

-- Every time a job continued from a checkpoint: who took it over from whom, from which round,
-- and what happened to the interrupted round's releases (reproducible mode: re-executed and
-- verified equal, not appended; secure mode: the fresh release is a new spend on the ledger).
CREATE TABLE resumptions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id               INTEGER NOT NULL REFERENCES jobs (id),
    resumed_at           TEXT    NOT NULL,
    worker               TEXT    NOT NULL,
    previous_worker      TEXT,
    checkpoint_round     INTEGER NOT NULL,      -- rounds checkpoint_round + 1 … re-run
    randomness           TEXT    NOT NULL CHECK (randomness IN ('reproducible', 'secure')),
    interrupted_releases INTEGER NOT NULL,      -- ledger rows of round checkpoint_round + 1 found at resume
    forced               INTEGER NOT NULL CHECK (forced IN (0, 1)),   -- a live lease was taken with --force
    he_key_id            TEXT                   -- secure mode: the fresh collective key that replaced the lost one
);
CREATE INDEX resumptions_job ON resumptions (job_id, id);
