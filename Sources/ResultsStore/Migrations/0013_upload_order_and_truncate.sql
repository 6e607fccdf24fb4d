-- Uploads get an id, so the order in which the orchestrator received them is a column of its own
-- and not the engine's row address: two uploads of one client in one round (a refused one and
-- its retry) were ordered by SQLite's rowid here and by PostgreSQL's ctid there, and a ctid is not
-- insertion order once a rolled-back insert and a VACUUM have left a gap to be filled.
--
-- SQLite cannot add a primary key to a table, so the table is rebuilt with `id` as its rowid
-- alias, keeping each row's rowid as its id (DROP TABLE fires no row triggers). The second half
-- of this migration on PostgreSQL, statement triggers against TRUNCATE, has no counterpart here:
-- SQLite has no TRUNCATE, and its DELETE without WHERE runs the row triggers whenever a table has
-- any.
CREATE TABLE upload_signatures_by_id (
    id            INTEGER PRIMARY KEY,
    job_id        INTEGER NOT NULL REFERENCES jobs (id),
    round         INTEGER NOT NULL,
    client        INTEGER NOT NULL,
    agent         TEXT    NOT NULL,
    delta_sha256  TEXT    NOT NULL,
    signature     TEXT    NOT NULL,         -- hex, r ‖ s
    certificate   TEXT    NOT NULL,         -- PEM
    verdict       TEXT    NOT NULL          -- 'accepted', or 'refused: reason'
);
INSERT INTO upload_signatures_by_id (id, job_id, round, client, agent, delta_sha256, signature, certificate, verdict)
    SELECT rowid, job_id, round, client, agent, delta_sha256, signature, certificate, verdict
    FROM upload_signatures ORDER BY rowid;
DROP TABLE upload_signatures;
ALTER TABLE upload_signatures_by_id RENAME TO upload_signatures;
CREATE INDEX upload_signatures_job ON upload_signatures (job_id, round, client);

CREATE TRIGGER upload_signatures_append_only_update BEFORE UPDATE ON upload_signatures
BEGIN SELECT RAISE(ABORT, 'upload_signatures is append-only'); END;
CREATE TRIGGER upload_signatures_append_only_delete BEFORE DELETE ON upload_signatures
BEGIN SELECT RAISE(ABORT, 'upload_signatures is append-only'); END;
