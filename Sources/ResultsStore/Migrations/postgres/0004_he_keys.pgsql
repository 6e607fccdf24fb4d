-- PostgreSQL form of 0004_he_keys.sql; it must stay equivalent to it.
-- The collective homomorphic-encryption keys of a job, one row per key epoch: identifiers,
-- parameters and the round that made them. Never secret material (no key shares, no polynomials).
CREATE TABLE he_keys (
    job_id        BIGINT  NOT NULL REFERENCES jobs (id),
    epoch         BIGINT  NOT NULL,
    key_id        TEXT    NOT NULL,            -- FNV-1a identifier of the public key, hex
    scheme        TEXT    NOT NULL CHECK (scheme IN ('CKKS', 'BFV')),
    ring_degree   BIGINT  NOT NULL,
    log_q         BIGINT  NOT NULL,            -- bits of the modulus chain, special primes included
    parties       BIGINT  NOT NULL,            -- clients holding a share of the secret key
    created_round BIGINT  NOT NULL,
    PRIMARY KEY (job_id, epoch)
);
