-- PostgreSQL form of 0009_job_dependencies.sql; it must stay equivalent to it.
-- The dependency versions the job ran with (Package.resolved's pins, `identity version, …`),
-- beside jobs.code_version: an audit that re-executes a job re-executes its libraries too.
ALTER TABLE jobs ADD COLUMN dependencies TEXT;
