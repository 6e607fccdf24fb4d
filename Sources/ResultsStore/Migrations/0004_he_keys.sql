-- The collective homomorphic-encryption keys of a job, one row per key epoch: identifiers,
-- parameters and the round that made them. Never secret material (no key shares, no polynomials).
CREATE TABLE he_keys (
    job_id        INTEGER NOT NULL REFERENCES jobs (id),
    epoch         INTEGER NOT NULL,
    key_id        TEXT    NOT NULL,            -- FNV-1a identifier of the public key, hex
    scheme        TEXT    NOT NULL CHECK (scheme IN ('CKKS', 'BFV')),
    ring_degree   INTEGER NOT NULL,
    log_q         INTEGER NOT NULL,            -- bits of the modulus chain, special primes included
    parties       INTEGER NOT NULL,            -- clients holding a share of the secret key
    created_round INTEGER NOT NULL,
    PRIMARY KEY (job_id, epoch)
);
