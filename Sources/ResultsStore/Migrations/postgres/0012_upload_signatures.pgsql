-- PostgreSQL form of 0012_upload_signatures.sql; it must stay equivalent to it (same columns, index
-- names and append-only guards with the same messages).
-- Every upload an agent made in a deployment: agents job (issue 14), as the orchestrator received
-- it: the SHA-256 of the delta, the agent's ECDSA P-256 signature over the upload statement
-- (job, manifest SHA-256, round, client, delta SHA-256), the certificate its TLS session
-- verified, and whether the orchestrator accepted it or refused it (and why). `privfed audit`
-- verifies each accepted signature and, under DP, its delta against the ledger's output hash.
CREATE TABLE upload_signatures (
    job_id        BIGINT  NOT NULL REFERENCES jobs (id),
    round         BIGINT  NOT NULL,
    client        BIGINT  NOT NULL,
    agent         TEXT    NOT NULL,
    delta_sha256  TEXT    NOT NULL,
    signature     TEXT    NOT NULL,         -- hex, r ‖ s
    certificate   TEXT    NOT NULL,         -- PEM
    verdict       TEXT    NOT NULL          -- 'accepted', or 'refused: reason'
);
CREATE INDEX upload_signatures_job ON upload_signatures (job_id, round, client);

CREATE FUNCTION upload_signatures_append_only_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'upload_signatures is append-only';
END;
$$;
CREATE TRIGGER upload_signatures_append_only_update BEFORE UPDATE ON upload_signatures
    FOR EACH ROW EXECUTE FUNCTION upload_signatures_append_only_update();

CREATE FUNCTION upload_signatures_append_only_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'upload_signatures is append-only';
END;
$$;
CREATE TRIGGER upload_signatures_append_only_delete BEFORE DELETE ON upload_signatures
    FOR EACH ROW EXECUTE FUNCTION upload_signatures_append_only_delete();
