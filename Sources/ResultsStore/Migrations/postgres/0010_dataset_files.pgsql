-- PostgreSQL form of 0010_dataset_files.sql; it must stay equivalent to it (same columns, constraints
-- and append-only guards with the same messages).
-- The dataset files each job loaded, recorded at load time in round 0's commit: the file's name,
-- its absolute path then, and the SHA-256 and size of its bytes. An audit compares them with the
-- published checksums and with today's files, so a job trained on an edited copy stays caught
-- after the files are restored, and an audit run from another folder finds the files.
CREATE TABLE dataset_files (
    job_id BIGINT  NOT NULL REFERENCES jobs (id),
    file   TEXT    NOT NULL,                -- 'train-images-idx3-ubyte.gz', …
    path   TEXT    NOT NULL,                -- absolute, as loaded
    sha256 TEXT    NOT NULL,                -- lower-case hex
    bytes  BIGINT  NOT NULL,
    PRIMARY KEY (job_id, file)
);

CREATE FUNCTION dataset_files_append_only_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dataset_files is append-only';
END;
$$;
CREATE TRIGGER dataset_files_append_only_update BEFORE UPDATE ON dataset_files
    FOR EACH ROW EXECUTE FUNCTION dataset_files_append_only_update();

CREATE FUNCTION dataset_files_append_only_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dataset_files is append-only';
END;
$$;
CREATE TRIGGER dataset_files_append_only_delete BEFORE DELETE ON dataset_files
    FOR EACH ROW EXECUTE FUNCTION dataset_files_append_only_delete();
