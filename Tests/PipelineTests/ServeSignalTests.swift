import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ResultsStore
import XCTest
import TestSupport

/// Ctrl-C or a service manager's SIGTERM to `privfed serve`: the real binary stops listening,
/// its in-process worker stops the running job at the next stage boundary (recorded
/// `interrupted`, lease released, as `privfed run` does), and it exits 128 + the signal with one
/// line saying so — not with the job left `running` under a live lease.
final class ServeSignalTests: XCTestCase {
    /// `privfed serve --port 0 --json` on `database`, started in the repository root, and the
    /// port it printed (nil if it ended first, with what it printed).
    func startServe(_ privfed: PrivfedProcess, workers: Int) throws -> (started: (Process, Pipe, Pipe), port: Int?, printed: String) {
        let started = try privfed.start(["serve", "--port", "0", "--insecure-no-auth", "--workers", String(workers), "--json"])
        var printed = ""
        while !printed.contains("\n") {
            let chunk = started.1.fileHandleForReading.availableData
            if chunk.isEmpty { return (started, nil, printed) }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        let line = try XCTUnwrap(printed.split(separator: "\n").first)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return (started, object?["port"] as? Int, printed)
    }

    /// GET `path` on 127.0.0.1:`port`: the status, 0 when nothing answered.
    func status(port: Int, path: String) -> Int {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var code = 0
        URLSession.shared.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { _, response, _ in
            code = (response as? HTTPURLResponse)?.statusCode ?? 0
            done.signal()
        }.resume()
        done.wait()
        return code
    }

    /// Sends `signal` and waits at most `seconds` for the process to end (then kills it).
    func stop(_ started: (Process, Pipe, Pipe), with signal: Int32, within seconds: Double) -> (ended: Bool, elapsed: Double) {
        let sent = Date()
        kill(started.0.processIdentifier, signal)
        while started.0.isRunning && Date().timeIntervalSince(sent) < seconds { Thread.sleep(forTimeInterval: 0.02) }
        let ended = !started.0.isRunning
        if !ended { kill(started.0.processIdentifier, SIGKILL) }
        return (ended, Date().timeIntervalSince(sent))
    }

    /// Job 1 as `privfed show` reads it: read-only, beside the running server.
    func job(_ database: String) throws -> JobRecord {
        try ResultsDatabase(readingAt: database).job(id: 1)
    }

    func testSIGINTStopsServeAndItsRunningJobIsInterruptedWithItsLeaseReleased() throws {
        let dir = try scratchDirectory(prefix: "serve-sigint")
        let database = dir + "/r.sqlite"
        let privfed = try PrivfedProcess(database: database)
        let manifest = try writeManifest(smallMNISTManifest(name: "serve-sigint", seed: 9, clients: 2, trainExamples: 200,
                                                            testExamples: 100, rounds: 60, clientsPerRound: 2), in: dir)
        let submitted = try privfed.run(["submit", manifest])
        XCTAssertEqual(submitted.status, 0, submitted.stderr)

        let serve = try startServe(privfed, workers: 1)
        let port = try XCTUnwrap(serve.port, serve.printed + privfed.wait(serve.started).stderr)
        XCTAssertEqual(status(port: port, path: "/api/health"), 200)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? job(database))?.roundsCompleted ?? 0) < 1 { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual(try job(database).status, .running)

        let (ended, elapsed) = stop(serve.started, with: SIGINT, within: 10)
        let outcome = privfed.wait(serve.started)
        XCTAssertTrue(ended, "privfed serve still ran 10 s after SIGINT")
        XCTAssertLessThan(elapsed, 10)
        XCTAssertFalse(outcome.signaled, "privfed handled the signal")
        XCTAssertEqual(outcome.status, 130, outcome.stdout + outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("privfed serve: stopped (SIGINT)"), serve.printed + outcome.stdout + outcome.stderr)

        let record = try job(database)
        XCTAssertEqual(record.status, .interrupted, record.error ?? "")
        XCTAssertNil(record.leaseExpiresAt, "the lease is released")
        XCTAssertLessThan(record.roundsCompleted, 60, "stopped before the end")
        XCTAssertTrue(record.error?.contains("SIGINT") ?? false, record.error ?? "")
        XCTAssertEqual(status(port: port, path: "/api/health"), 0, "nothing listens any more")
    }

    func testSIGTERMStopsAnIdleServeWith143() throws {
        let dir = try scratchDirectory(prefix: "serve-sigterm")
        let privfed = try PrivfedProcess(database: dir + "/r.sqlite")
        let serve = try startServe(privfed, workers: 2)
        let port = try XCTUnwrap(serve.port, serve.printed + privfed.wait(serve.started).stderr)
        XCTAssertEqual(status(port: port, path: "/api/health"), 200)

        let (ended, _) = stop(serve.started, with: SIGTERM, within: 10)
        let outcome = privfed.wait(serve.started)
        XCTAssertTrue(ended, "privfed serve still ran 10 s after SIGTERM")
        XCTAssertFalse(outcome.signaled, "privfed handled the signal")
        XCTAssertEqual(outcome.status, 143, outcome.stdout + outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("privfed serve: stopped (SIGTERM)"), outcome.stdout + outcome.stderr)
    }
}
