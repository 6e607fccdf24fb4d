-- PostgreSQL form of 0007_party_secrets.sql; it must stay equivalent to it (same columns, constraints
-- and append-only guards with the same messages).
-- Each party's secret root (randomness: reproducible) is escrowed in a secrets file outside this
-- database; only a commitment to each root is recorded here, so the database and the manifest
-- together determine no key, mask or noise draw. `privfed audit --reproduce --secrets FILE`
-- checks a secrets file against these commitments before it re-executes the job.
CREATE TABLE secret_commitments (
    job_id     BIGINT  NOT NULL REFERENCES jobs (id),
    party      TEXT    NOT NULL,            -- 'aggregator', 'client/3', 'share-holder/1', 'auditor', …
    commitment TEXT    NOT NULL,            -- SHA-256("privfed.secret-root.v1" ‖ 0 ‖ party ‖ 0 ‖ root), hex
    PRIMARY KEY (job_id, party)
);

-- Where the secrets file was written when the job was submitted (a path, never its content):
-- a worker resuming the job, or an auditor re-executing it, reads it from there.
CREATE TABLE secrets_files (
    job_id BIGINT  NOT NULL PRIMARY KEY REFERENCES jobs (id),
    path   TEXT    NOT NULL
);

CREATE FUNCTION secret_commitments_append_only_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'secret_commitments is append-only';
END;
$$;
CREATE TRIGGER secret_commitments_append_only_update BEFORE UPDATE ON secret_commitments
    FOR EACH ROW EXECUTE FUNCTION secret_commitments_append_only_update();

CREATE FUNCTION secret_commitments_append_only_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'secret_commitments is append-only';
END;
$$;
CREATE TRIGGER secret_commitments_append_only_delete BEFORE DELETE ON secret_commitments
    FOR EACH ROW EXECUTE FUNCTION secret_commitments_append_only_delete();
