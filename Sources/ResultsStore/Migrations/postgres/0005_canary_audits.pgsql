-- PostgreSQL form of 0005_canary_audits.sql; it must stay equivalent to it.
-- The one-run empirical privacy audit (Steinke, Nasr, Jagielski 2023) of a job with `audit: { canaries: m }`.
-- canary_audits: one row per job. Before round 1 the runner commits to its canaries: commitment =
-- SHA-256 of the canonical encoding of every canary's image, label and inclusion bit followed by a
-- 32-byte random salt. After the last round it reveals the mask and salt into the same row, with the
-- outcome of the guessing game, so an auditor can check that the mask was fixed before training.
-- (canary_audits.job_id is SQLite's `INTEGER PRIMARY KEY`, a rowid alias; here a plain BIGINT key,
-- never generated: the row is always written with its job's id.)
CREATE TABLE canary_audits (
    job_id              BIGINT  PRIMARY KEY REFERENCES jobs (id),
    canaries            BIGINT  NOT NULL CHECK (canaries >= 2),
    guess_totals        TEXT    NOT NULL,          -- JSON array of the guess budgets r tried (pre-registered)
    confidence          DOUBLE PRECISION NOT NULL, -- 0.95: the family's confidence (Bonferroni over guess_totals)
    commitment          TEXT    NOT NULL,          -- SHA-256 hex, written before training starts
    committed_at        TEXT    NOT NULL,
    mask                TEXT,                      -- revealed: one '1' (included) or '0' per canary, in canary order
    salt                TEXT,                      -- revealed: hex
    revealed_at         TEXT,
    delta               DOUBLE PRECISION,          -- δ of the bound: the job's δ under DP, 0 without DP
    guesses             BIGINT,                    -- r of the best budget
    guessed_included    BIGINT,                    -- k+
    guessed_excluded    BIGINT,                    -- k−
    correct             BIGINT,                    -- v
    epsilon_lower_bound DOUBLE PRECISION,          -- ε_LB at `confidence`
    epsilon_accounted   DOUBLE PRECISION,          -- the accountant's ε (largest party spend); NULL without DP
    accountant          TEXT                       -- rdp | pld | prv; NULL without DP
);

-- Every canary: which MNIST training image, its true and its (wrong) canary label, and its score
-- under the final model (−cross-entropy on the canary label; higher = more likely trained on).
CREATE TABLE canary_scores (
    job_id      BIGINT  NOT NULL REFERENCES jobs (id),
    canary      BIGINT  NOT NULL,
    image_index BIGINT  NOT NULL,
    true_label  BIGINT  NOT NULL,
    label       BIGINT  NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (job_id, canary)
);
