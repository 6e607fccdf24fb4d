-- Every `privfed audit` run is itself recorded: when, with which code, what it found.
CREATE TABLE audits (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        INTEGER NOT NULL REFERENCES jobs (id),
    created_at    TEXT    NOT NULL,
    code_version  TEXT    NOT NULL,
    reproduced    INTEGER NOT NULL CHECK (reproduced IN (0, 1)),
    passed        INTEGER NOT NULL CHECK (passed IN (0, 1)),
    findings_json TEXT    NOT NULL              -- JSON array of {check, passed, evidence}
);
CREATE INDEX audits_job ON audits (job_id, id);
