-- A run stopped by SIGINT or SIGTERM at a stage boundary is `interrupted`: not running, its lease
-- released, its completed rounds and checkpoint kept, so `privfed resume` (or any worker) continues
-- it at once. SQLite cannot change a CHECK constraint in place, so `jobs` is rebuilt (the
-- procedure of sqlite.org/lang_altertable.html; ResultsStore runs every migration with foreign
-- key enforcement off and checks `PRAGMA foreign_key_check` before it commits).
CREATE TABLE jobs_0011 (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT    NOT NULL,
    manifest_path    TEXT    NOT NULL,
    manifest_text    TEXT    NOT NULL,              -- the manifest exactly as submitted
    manifest_sha256  TEXT    NOT NULL,              -- SHA-256 of manifest_text (UTF-8), lowercase hex
    seed             INTEGER NOT NULL,
    randomness       TEXT    NOT NULL CHECK (randomness IN ('reproducible', 'secure')),
    code_version     TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed',
                                                        'budget_exhausted', 'cancelled', 'interrupted')),
    error            TEXT,
    rounds_planned   INTEGER NOT NULL,
    rounds_completed INTEGER NOT NULL DEFAULT 0,
    worker           TEXT,                          -- who holds the job while it runs
    lease_expires_at TEXT,                          -- ISO 8601 UTC; an expired lease may be taken over
    created_at       TEXT    NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    dependencies     TEXT                           -- 0009: the dependency versions the job ran with
);
INSERT INTO jobs_0011 (id, name, manifest_path, manifest_text, manifest_sha256, seed, randomness, code_version, status, error,
                       rounds_planned, rounds_completed, worker, lease_expires_at, created_at, started_at, finished_at, dependencies)
SELECT id, name, manifest_path, manifest_text, manifest_sha256, seed, randomness, code_version, status, error,
       rounds_planned, rounds_completed, worker, lease_expires_at, created_at, started_at, finished_at, dependencies
FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_0011 RENAME TO jobs;
CREATE INDEX jobs_status ON jobs (status, id);
