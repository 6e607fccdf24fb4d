import ArgumentParser
import Foundation
import Pipeline
import ResultsStore

/// `--db PATH|URL`, shared by every command that touches the results database.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The results database: an SQLite file, or postgres://user@host:port/dbname; PRIVFED_DB sets the default.",
                                            valueName: "path|url"))
    var db: String = DatabaseOption.defaultLocation

    /// `PRIVFED_DB` when set, so a team's shell or service unit names its server once.
    static var defaultLocation: String {
        if let env = ProcessInfo.processInfo.environment["PRIVFED_DB"], !env.isEmpty { return env }
        return "privfed.sqlite"
    }

    /// Opens (creating if needed) the database with its migrations applied.
    func open(create: Bool = true) throws -> ResultsDatabase {
        try ResultsDatabase(path: db, create: create)
    }

    /// Opens the existing database for a command that only reads: read-only, so a file of mode
    /// 444 or another user's works (`ResultsDatabase.forReading`).
    func openForReading() throws -> ResultsDatabase {
        try ResultsDatabase.forReading(path: db)
    }

    /// Whether this process may write the database file (an audit is recorded only then).
    /// A server decides per statement; its read-only role is `privfed query`'s, not the audit's.
    var isWritable: Bool { (try? PostgresURL(parsing: db)) != nil || access(db, W_OK) == 0 }
}

/// Runs a command body, turning any error into one line on standard error and exit code 1.
/// Manifest errors print one line per problem.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        let text = "\(error)"
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            FileHandle.standardError.write(Data("privfed: error: \(TerminalText.escaped(String(line)))\n".utf8))
        }
        throw ExitCode(1)
    }
}

/// Prints a value on standard output in the shared JSON form (the HTTP API answers the same bytes).
func printJSON<T: Encodable>(_ value: T) throws {
    print(String(decoding: try JSONOutput.encode(value), as: UTF8.self))
}

/// `--secrets file-or-dir`: the path when it names an existing file (a secrets file to replay),
/// nil when it names a directory or nothing yet (where the new job's secrets file goes).
func secretsFileToReplay(_ path: String?) -> String? {
    guard let path else { return nil }
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue ? path : nil
}
