import Foundation
import GRDB
import TestSupport
import XCTest

/// `privfed audit --all`: a compliance officer audits a whole results database in one command,
/// and the exit status says whether every ended job passed.
final class AuditAllCommandTests: XCTestCase {
    func testAllAuditsEveryEndedJobAndFailsWhenOneIsTampered() throws {
        let directory = try scratchDirectory(prefix: "audit-all")
        let privfed = try PrivfedProcess(database: directory + "/r.sqlite")
        for name in ["first", "second"] {
            let text = smallMNISTManifest(name: name, seed: 5, clients: 2, trainExamples: 400, testExamples: 100,
                                          rounds: 1, clientsPerRound: 2)
            let path = try writeManifest(text, in: directory, named: name + ".yaml")
            XCTAssertEqual(try privfed.run(["run", path]).status, 0)
        }
        // A queued job has not ended: it is not audited.
        XCTAssertEqual(try privfed.run(["submit", directory + "/first.yaml"]).status, 0)

        let passed = try privfed.run(["audit", "--all", "--json"])
        XCTAssertEqual(passed.status, 0, passed.stderr)
        let reports = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(passed.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(reports.map { $0["jobId"] as? Int }, [1, 2])
        XCTAssertEqual(reports.map { $0["passed"] as? Bool }, [true, true])

        try DatabaseQueue(path: directory + "/r.sqlite").write {
            try $0.execute(sql: "UPDATE jobs SET manifest_text = manifest_text || ' ' WHERE id = 2")
        }
        let failed = try privfed.run(["audit", "--all"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.stdout.contains("job 1 first: passed"), failed.stdout)
        XCTAssertTrue(failed.stdout.contains("job 2 second: FAILED: manifest_hash"), failed.stdout)
        XCTAssertTrue(failed.stdout.contains("2 jobs audited: 1 FAILED"), failed.stdout)

        let neither = try privfed.run(["audit"])
        XCTAssertEqual(neither.status, 64, "a usage error")
        XCTAssertTrue(neither.stderr.contains("give the job id to audit (see privfed jobs), or --all"), neither.stderr)
    }
}
