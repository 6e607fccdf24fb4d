import Foundation
import Hummingbird
import HummingbirdTesting
import Pipeline
import ResultsStore
import Service
import TestSupport
import XCTest

/// A job's run-time error and its audit evidence name the files the server read. Through the HTTP
/// API a caller must see placeholders instead, never where the server keeps its datasets, its
/// manifests or its database (issue 15).
final class ServerPathRedactionTests: XCTestCase {
    /// The job is valid when submitted; between submission and its run the training labels are
    /// emptied, which only the worker's loader sees (submission does not read the files). The
    /// root is configured through a symbolic link, as an operator's `/data` → `/mnt/disk/data`,
    /// and the manifest names the folder the link resolves to, so the records hold the resolved form.
    func testRunTimeErrorsAndAuditEvidenceReachTheAPIWithPlaceholdersNotServerPaths() async throws {
        let directory = try scratchDirectory(prefix: "redaction")
        let published = directory + "/published", manifests = directory + "/manifests", state = directory + "/state"
        for folder in [published, manifests, state] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: directory + "/root", withDestinationPath: "published")
        let mnist = published + "/mnist"
        try FileManager.default.copyItem(atPath: repositoryMNIST, toPath: mnist)
        let db = try scratchDatabase(in: state)
        let configuration = APIConfiguration(manifestsDirectory: manifests, datasetsRoot: directory + "/root",
                                             tokens: try BearerTokens([testToken]), workers: 0)
        let app = APIServer.application(configuration: configuration, database: db, logger: quietLogger)
        let body = smallMNISTManifest(name: "vanishing", seed: 1, mnistPath: mnist, clients: 2, trainExamples: 100,
                                      testExamples: 50, rounds: 1, clientsPerRound: 2)
        let secrets = Array(Set([directory, URL(fileURLWithPath: directory).resolvingSymlinksInPath().path]))

        try await app.test(.router) { client in
            let posted = try await client.call(.post, "/api/jobs", body: body)
            XCTAssertEqual(posted.status, .accepted, posted.text)
            let location = try XCTUnwrap(posted.headers[.location])

            let labels = "train-labels-idx1-ubyte.gz"
            try Data().write(to: URL(fileURLWithPath: mnist + "/" + labels))
            var service = JobService(database: db)
            service.requestDatasets = configuration.requestDatasets
            let summary = try XCTUnwrap(try service.workOnce(worker: "test"))
            XCTAssertEqual(summary.status, "failed")
            XCTAssertTrue(summary.error?.contains(mnist + "/" + labels) ?? false,
                          "the record keeps the path for the operator: \(summary.error ?? "")")

            let audit = try await client.call(.post, location + "/audit")
            let answers = [("GET \(location)", try await client.call(.get, location)),
                           ("GET /api/jobs", try await client.call(.get, "/api/jobs")),
                           ("POST \(location)/audit", audit),
                           ("GET \(location)/report", try await client.call(.get, location + "/report?format=html")),
                           ("GET \(location)/report?format=json", try await client.call(.get, location + "/report?format=json"))]
            XCTAssertTrue(audit.text.contains("[datasets-root]/mnist/\(labels) hashes to"), audit.text)
            for (request, answer) in answers {
                XCTAssertEqual(answer.status, .ok, "\(request): \(answer.text)")
                for secret in secrets {
                    XCTAssertFalse(answer.text.contains(secret), "\(request) names \(secret): \(answer.text)")
                    XCTAssertFalse(answer.text.contains(secret.replacingOccurrences(of: "/", with: "\\/")), "\(request): \(answer.text)")
                }
                XCTAssertTrue(answer.text.contains("[datasets-root]/mnist/\(labels)"), "\(request): \(answer.text)")
            }
        }
    }

    func testLongerFoldersAreReplacedFirstAndEveryOccurrenceIs() {
        let redaction = ServerPathRedaction(folders: [("/srv/privfed", "[database-dir]"), ("/srv/privfed/datasets", "[datasets-root]"),
                                                      ("/srv/privfed/manifests", "[manifests]")])
        let text = "/srv/privfed/datasets/mnist/a.gz: missing; /srv/privfed/datasets/mnist/b.gz: missing; "
            + "read /srv/privfed/manifests/x.yaml; db /srv/privfed/r.sqlite"
        XCTAssertEqual(redaction.redact(text), "[datasets-root]/mnist/a.gz: missing; [datasets-root]/mnist/b.gz: missing; "
                       + "read [manifests]/x.yaml; db [database-dir]/r.sqlite")
    }

    func testEscapedSlashesAndHTMLEntitiesAreReplacedToo() {
        let redaction = ServerPathRedaction(folders: [("/srv/Tom & Jerry's data", "[datasets-root]")])
        XCTAssertEqual(redaction.redact(#"{"e": "\/srv\/Tom & Jerry's data\/mnist"}"#), #"{"e": "[datasets-root]\/mnist"}"#)
        XCTAssertEqual(redaction.redact("<code>/srv/Tom &amp; Jerry&#39;s data/mnist</code>"), "<code>[datasets-root]/mnist</code>")
    }

    func testALinkedFolderIsReplacedInItsResolvedFormAndTheRootFolderNever() throws {
        let directory = try scratchDirectory(prefix: "redaction-link")
        try FileManager.default.createDirectory(atPath: directory + "/disk/data", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory + "/data", withDestinationPath: "disk/data")
        let redaction = ServerPathRedaction(folders: [(directory + "/data", "[datasets-root]"), ("/", "[database-dir]"), ("relative", "[manifests]")])
        let resolved = URL(fileURLWithPath: directory + "/disk/data").resolvingSymlinksInPath().path
        XCTAssertEqual(redaction.redact("\(directory)/data/mnist and \(resolved)/mnist"), "[datasets-root]/mnist and [datasets-root]/mnist")
        XCTAssertEqual(redaction.redact("/etc/passwd relative"), "/etc/passwd relative", "/ and relative folders are no rules")
    }
}
