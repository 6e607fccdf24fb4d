-- The privacy ledger: one row per (job, round, party, mechanism) release, append-only and
-- hash-chained per job. row_hash = SHA-256(prev_hash ‖ canonical row text); the first row of a
-- job chains from SHA-256("privfed.ledger.v1" ‖ job id ‖ manifest SHA-256). The canonical text is
-- built by ResultsStore.LedgerEntry.canonicalText (documented there, and in README.md).

CREATE TABLE privacy_ledger (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id              INTEGER NOT NULL REFERENCES jobs (id),
    round               INTEGER NOT NULL,
    party               TEXT    NOT NULL,            -- client/3 (unit example) or aggregator (unit client)
    mechanism           TEXT    NOT NULL,            -- subsampled_gaussian
    unit                TEXT    NOT NULL CHECK (unit IN ('example', 'client')),
    neighbouring        TEXT    NOT NULL,            -- add_remove_one
    sampling            TEXT    NOT NULL,            -- poisson
    sampling_rate       REAL    NOT NULL,            -- q
    noise_multiplier    REAL    NOT NULL,            -- sigma
    steps               INTEGER NOT NULL,            -- compositions in this release
    max_grad_norm       REAL    NOT NULL,            -- C
    delta               REAL    NOT NULL,
    epsilon_round       REAL    NOT NULL,            -- epsilon of this release alone (at delta)
    epsilon_spent_rdp   REAL    NOT NULL,            -- epsilon of the whole history so far, RDP accountant
    epsilon_spent_pld   REAL,                        -- the same under the numerical PLD accountant
    budget_epsilon      REAL    NOT NULL,
    decision            TEXT    NOT NULL CHECK (decision IN ('released', 'blocked')),
    accountant          TEXT    NOT NULL,            -- the accountant that enforces the budget
    accountant_version  TEXT    NOT NULL,
    created_at          TEXT    NOT NULL,
    prev_hash           TEXT    NOT NULL,
    row_hash            TEXT    NOT NULL UNIQUE
);
CREATE INDEX privacy_ledger_job ON privacy_ledger (job_id, round, party);

CREATE TRIGGER privacy_ledger_no_update BEFORE UPDATE ON privacy_ledger
BEGIN
    SELECT RAISE(ABORT, 'privacy_ledger is append-only: rows cannot be updated');
END;

CREATE TRIGGER privacy_ledger_no_delete BEFORE DELETE ON privacy_ledger
BEGIN
    SELECT RAISE(ABORT, 'privacy_ledger is append-only: rows cannot be deleted');
END;
