-- PostgreSQL form of 0011_interrupted_jobs.sql; it must stay equivalent to it.
-- A run stopped by SIGINT or SIGTERM at a stage boundary is `interrupted`: not running, its lease
-- released, its completed rounds and checkpoint kept, so `privfed resume` (or any worker) continues
-- it at once. SQLite rebuilds `jobs` to change its CHECK constraint; PostgreSQL changes it in place,
-- which leaves the same end state: the same columns in the same order (dependencies from 0009 last),
-- the same id sequence, the index jobs_status and the foreign keys that reference jobs (id).
-- Existing rows satisfy the old CHECK, a subset of the new one, so validating it cannot fail.
ALTER TABLE jobs
    DROP CONSTRAINT jobs_status_check,
    ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed',
                                                       'budget_exhausted', 'cancelled', 'interrupted'));
