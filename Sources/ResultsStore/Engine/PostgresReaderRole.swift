/// `privfed_reader`: a PostgreSQL role that may SELECT privfed's tables and do nothing else,
/// which `privfed query` takes for its one statement — a second guard behind the read-only
/// transaction, as SQLite's read-only connection is behind `sqlite3_stmt_readonly`.
///
/// Roles belong to the whole server, so creating it needs the CREATEROLE privilege; a user
/// without it gets the read-only transaction alone, and an administrator can run `setupSQL`.
enum PostgresReaderRole {
    static let name = "privfed_reader"

    /// Creates the role when missing, grants it SELECT on the current schema's tables and lets the
    /// current user take it. Run after the migrations, in their transaction.
    static let setupSQL = """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'privfed_reader') THEN
                CREATE ROLE privfed_reader NOLOGIN;
            END IF;
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO privfed_reader', current_schema());
            EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO privfed_reader', current_schema());
            EXECUTE format('GRANT privfed_reader TO %I', current_user);
        END
        $$
        """

    /// Whether the session's user may `SET ROLE privfed_reader`.
    static let canTakeSQL = """
        SELECT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'privfed_reader')
            AND pg_has_role(current_user, 'privfed_reader', 'MEMBER')
        """
}
