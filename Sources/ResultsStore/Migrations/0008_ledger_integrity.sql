-- Ledger integrity (issue 13).
--
-- 1. Each release's ledger row carries the SHA-256 of the exact bytes released (float32,
--    little-endian), so a re-executed release that differs from the recorded one is caught.
--    Rows written before this migration have NULL here; their canonical text (and so their
--    hash) does not mention the column, so existing chains still verify. The append-only
--    triggers of 0002 stay: ADD COLUMN fires no UPDATE trigger, and the value can only be set
--    by the INSERT that writes the row.
ALTER TABLE privacy_ledger ADD COLUMN output_sha256 TEXT;

-- 2. The ledger head is signed with the operator's Ed25519 key (RFC 8032), which lives in a key
--    file outside this database. The chain alone is unkeyed: whoever can write the file can
--    rewrite a suffix and recompute every hash. A signature over (job, row count, head hash)
--    made after each release cannot be recomputed without the key.
CREATE TABLE operator_keys (
    public_key    TEXT NOT NULL PRIMARY KEY,   -- Ed25519 public key, 32 bytes, lowercase hex
    first_used_at TEXT NOT NULL
);

CREATE TABLE ledger_signatures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id     INTEGER NOT NULL REFERENCES jobs (id),
    row_count  INTEGER NOT NULL,               -- the job's ledger rows the head covers
    head_hash  TEXT    NOT NULL,               -- row_hash of the last of them
    public_key TEXT    NOT NULL REFERENCES operator_keys (public_key),
    signature  TEXT    NOT NULL,               -- Ed25519 over ResultsStore.LedgerHead.message, hex
    created_at TEXT    NOT NULL
);
CREATE INDEX ledger_signatures_job ON ledger_signatures (job_id, row_count);

CREATE TRIGGER ledger_signatures_no_update BEFORE UPDATE ON ledger_signatures
BEGIN SELECT RAISE(ABORT, 'ledger_signatures is append-only: rows cannot be updated'); END;
CREATE TRIGGER ledger_signatures_no_delete BEFORE DELETE ON ledger_signatures
BEGIN SELECT RAISE(ABORT, 'ledger_signatures is append-only: rows cannot be deleted'); END;
CREATE TRIGGER operator_keys_no_update BEFORE UPDATE ON operator_keys
BEGIN SELECT RAISE(ABORT, 'operator_keys is append-only'); END;
CREATE TRIGGER operator_keys_no_delete BEFORE DELETE ON operator_keys
BEGIN SELECT RAISE(ABORT, 'operator_keys is append-only'); END;
