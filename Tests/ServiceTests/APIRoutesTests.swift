import Audit
import Foundation
import Hummingbird
import HummingbirdTesting
import Pipeline
import ResultsStore
import Service
import XCTest
import TestSupport

/// Drives every route of the HTTP API in process, with the answers checked against the database
/// and against the command line's own readers.
final class APIRoutesTests: XCTestCase {
    func testHealthAndOpenAPINeedNoToken() async throws {
        let fixture = try APIFixture()
        try await fixture.test { client in
            let health = try await client.call(.get, "/api/health", token: nil)
            XCTAssertEqual(health.status, .ok)
            let status = try health.decode(HealthStatus.self)
            XCTAssertEqual(status.status, "ok")
            XCTAssertTrue(status.authentication)
            let document = try await client.call(.get, "/api/openapi.yaml", token: nil)
            XCTAssertEqual(document.status, .ok)
            XCTAssertEqual(document.headers[.contentType], "application/yaml; charset=utf-8")
            XCTAssertTrue(document.text.hasPrefix("openapi: 3.1.0"))
        }
    }

    func testSeedCallQueuesTheShippedManifestOfEachPrivacyKind() async throws {
        let fixture = try APIFixture()
        try await fixture.test { client in
            for (kind, file) in [("differential", "mnist-dp-federated.yaml"), ("homomorphic", "mnist-ckks.yaml"),
                                 ("mpc", "mnist-secagg.yaml"), ("combined", "mnist-dp-ckks.yaml")] {
                let response = try await client.call(.post, "/api/training/start", body: #"{"privacy": "\#(kind)"}"#)
                XCTAssertEqual(response.status, .accepted, response.text)
                let submitted = try response.decode(SubmittedJob.self)
                XCTAssertEqual(response.headers[.location], "/api/jobs/\(submitted.job)")
                let record = try fixture.database.job(id: submitted.job)
                XCTAssertEqual(record.status, .queued)
                XCTAssertTrue(record.manifestPath.hasSuffix("/" + file), record.manifestPath)
                let shipped = try String(contentsOf: repositoryRoot.appendingPathComponent("manifests/" + file), encoding: .utf8)
                XCTAssertEqual(record.manifestText, shipped)
            }
            let unknown = try await client.call(.post, "/api/training/start", body: #"{"privacy": "quantum"}"#)
            XCTAssertEqual(unknown.status, .unprocessableContent)
            XCTAssertEqual(unknown.apiError?.error.code, "unknown_privacy")
            let notAString = try await client.call(.post, "/api/training/start", body: #"{"privacy": 3}"#)
            XCTAssertEqual(notAString.apiError?.error.code, "unknown_privacy")
        }
        XCTAssertEqual(try fixture.database.jobs().count, 4)
    }

    func testManifestBodiesInYAMLAndJSONAreQueuedAsSent() async throws {
        let fixture = try APIFixture()
        let yaml = tinyManifest(name: "from-yaml")
        let json = #"{"name": "from-json", "seed": 3, "dataset": {"name": "mnist", "clients": 2}, "model": {"architecture": "mlp"}, "federation": {"rounds": 1, "clients_per_round": 2, "batch_size": 10, "learning_rate": 0.1}}"#
        try await fixture.test { client in
            for (route, body, name) in [("/api/jobs", yaml, "from-yaml"), ("/api/training/start", json, "from-json")] {
                let response = try await client.call(.post, route, body: body)
                XCTAssertEqual(response.status, .accepted, response.text)
                let submitted = try response.decode(SubmittedJob.self)
                XCTAssertEqual(submitted.name, name)
                XCTAssertEqual(submitted.manifest, "request")
                XCTAssertEqual(try fixture.database.job(id: submitted.job).manifestText, body)
            }
            let list = try await client.call(.get, "/api/jobs")
            XCTAssertEqual(list.status, .ok)
            let jobs = try JSONDecoder().decode([JobRecord].self, from: Data(list.text.utf8))
            XCTAssertEqual(jobs.map(\.name), ["from-json", "from-yaml"]) // newest first, as privfed jobs
            let limited = try await client.call(.get, "/api/jobs?limit=1")
            XCTAssertEqual(try JSONDecoder().decode([JobRecord].self, from: Data(limited.text.utf8)).count, 1)
            let badLimit = try await client.call(.get, "/api/jobs?limit=0")
            XCTAssertEqual(badLimit.status, .badRequest)
        }
    }

    func testInvalidManifestAnswers422WithExactlyTheLinesValidatePrints() async throws {
        let fixture = try APIFixture()
        let text = tinyManifest().replacingOccurrences(of: "rounds: 2", with: "rounds: 0")
            .replacingOccurrences(of: "batch_size: 50", with: "batch_sise: 50") + "\nfavourite_colour: blue\n"
        // What `privfed validate` prints for the same text in a file called `request`.
        let file = fixture.directory + "/request"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        var expected: [String] = []
        do { _ = try ManifestReader().read(path: file); XCTFail("the manifest should be invalid") } catch let error as ManifestError {
            expected = error.issues.map { $0.description.replacingOccurrences(of: file + ":", with: "request:") }
        }
        XCTAssertGreaterThanOrEqual(expected.count, 3)
        let expectedLines = expected
        try await fixture.test { client in
            for route in ["/api/jobs", "/api/training/start"] {
                let response = try await client.call(.post, route, body: text)
                XCTAssertEqual(response.status, .unprocessableContent)
                let error = try XCTUnwrap(response.apiError).error
                XCTAssertEqual(error.status, 422)
                XCTAssertEqual(error.code, "invalid_manifest")
                XCTAssertEqual(error.issues, expectedLines)
            }
        }
        XCTAssertTrue(try fixture.database.jobs().isEmpty)
    }

    func testMalformedEmptyAndNonUTF8BodiesAnswer400() async throws {
        let fixture = try APIFixture()
        try await fixture.test { client in
            for body in [#"{"privacy": "differential""#, "[1, 2,", "{'privacy': 1}"] {
                let response = try await client.call(.post, "/api/training/start", body: body)
                XCTAssertEqual(response.status, .badRequest, body)
                XCTAssertEqual(response.apiError?.error.code, "malformed_json", body)
            }
            let empty = try await client.call(.post, "/api/jobs", body: "  \n")
            XCTAssertEqual(empty.status, .badRequest)
            XCTAssertEqual(empty.apiError?.error.code, "bad_request")
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(testToken)"
            let binary = try await client.executeRequest(uri: "/api/jobs", method: .post, headers: headers,
                                                         body: ByteBuffer(bytes: [0x6E, 0x61, 0xFF, 0xFE, 0x3A]))
            XCTAssertEqual(binary.status, .badRequest)
            XCTAssertEqual(binary.apiError?.error.message, "the request body is not UTF-8 text")
        }
    }

    func testOversizedBodyAnswers413WhetherDeclaredOrNot() async throws {
        let fixture = try APIFixture(maxBodyBytes: 2048)
        let big = tinyManifest() + "\n# " + String(repeating: "x", count: 4096) + "\n"
        try await fixture.test { client in
            let response = try await client.call(.post, "/api/jobs", body: big)
            XCTAssertEqual(response.status, .contentTooLarge)
            XCTAssertEqual(response.apiError?.error.code, "payload_too_large")
            // A client that lies about the length is still cut off at the limit.
            var headers = HTTPFields()
            headers[.contentLength] = "10"
            let lying = try await client.call(.post, "/api/jobs", body: big, headers: headers)
            XCTAssertEqual(lying.status, .contentTooLarge)
            let fits = try await client.call(.post, "/api/jobs", body: tinyManifest())
            XCTAssertEqual(fits.status, .accepted)
        }
    }

    func testUnknownJobsPathsAndMethods() async throws {
        let fixture = try APIFixture()
        try await fixture.test { client in
            for path in ["/api/jobs/999", "/api/jobs/abc", "/api/jobs/0/ledger", "/api/jobs/999/report", "/api/jobs/-1"] {
                let response = try await client.call(.get, path)
                XCTAssertEqual(response.status, .notFound, path)
                XCTAssertEqual(response.apiError?.error.code, "job_not_found", path)
            }
            let cancel = try await client.call(.post, "/api/jobs/999/cancel")
            XCTAssertEqual(cancel.status, .notFound)
            let nowhere = try await client.call(.get, "/api/nowhere")
            XCTAssertEqual(nowhere.status, .notFound)
            XCTAssertEqual(nowhere.apiError?.error.code, "not_found")
            let wrong = try await client.call(.delete, "/api/jobs/1")
            XCTAssertEqual(wrong.status, .methodNotAllowed)
            XCTAssertEqual(wrong.headers[.allow], "GET")
            XCTAssertEqual(wrong.apiError?.error.code, "method_not_allowed")
            let getStart = try await client.call(.get, "/api/training/start")
            XCTAssertEqual(getStart.status, .methodNotAllowed)
            XCTAssertEqual(getStart.headers[.allow], "POST")
            let putJobs = try await client.call(.put, "/api/jobs", body: "x")
            XCTAssertEqual(putJobs.headers[.allow], "POST, GET")
        }
    }

    func testJobLedgerAndReportOfAFinishedDPJobMatchTheCommandLineReaders() async throws {
        let fixture = try APIFixture()
        let manifest = tinyManifest(name: "dp <tiny>", extra: """
        privacy:
          differential_privacy: true
          epsilon: 8
          noise_multiplier: 1.0
        """)
        let path = fixture.directory + "/dp.yaml"
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try JobService(database: fixture.database).runNow(try JobService.ready(path: path))
        XCTAssertEqual(summary.status, "succeeded")
        let id = summary.jobId
        let ledgerRows = try fixture.database.ledger(jobId: id)
        XCTAssertGreaterThan(ledgerRows.count, 0)
        try await fixture.test { client in
            let show = try await client.call(.get, "/api/jobs/\(id)")
            XCTAssertEqual(show.status, .ok)
            let detail = try show.decode(JobDetail.self)
            XCTAssertEqual(detail.job.status, .succeeded)
            XCTAssertEqual(detail.job.roundsCompleted, 2)
            XCTAssertEqual(detail.metrics.filter { $0.name == "accuracy" }.map(\.value),
                           try fixture.database.metrics(jobId: id).filter { $0.name == "accuracy" }.map(\.value))
            XCTAssertEqual(detail.artifacts.count, 3) // set-up and two rounds
            XCTAssertEqual(detail.rounds.map(\.round), [0, 1, 2])
            XCTAssertEqual(detail.rounds.map(\.status), ["succeeded", "succeeded", "succeeded"])
            XCTAssertEqual(detail.rounds[1].selectedClients.count, 2) // clients_per_round
            // What the aggregator may not see is not served either: a client's loss and realised batch
            // sizes stayed in its own local record.
            for privateName in ["train_loss", "mean_batch_size", "update_norm"] {
                XCTAssertFalse(show.text.contains("\"\(privateName)\""), "GET /api/jobs/\(id) serves \(privateName)")
            }
            XCTAssertTrue(detail.metrics.contains { $0.name == "bytes_sent" }, "what the aggregator received is served")

            let ledger = try await client.call(.get, "/api/jobs/\(id)/ledger")
            XCTAssertEqual(ledger.status, .ok)
            let report = try ledger.decode(LedgerReport.self)
            XCTAssertEqual(report.rows, ledgerRows)
            XCTAssertEqual(report.summary.chain, LedgerChainFinding.intact(rows: ledgerRows.count).description)
            XCTAssertEqual(Set(report.summary.parties.map(\.party)), Set(ledgerRows.map(\.entry.party)))

            let html = try await client.call(.get, "/api/jobs/\(id)/report")
            XCTAssertEqual(html.status, .ok)
            XCTAssertEqual(html.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertTrue(html.text.hasPrefix("<!DOCTYPE html>"), String(html.text.prefix(40)))
            XCTAssertTrue(html.text.contains("dp &lt;tiny&gt;"))
            XCTAssertFalse(html.text.contains("dp <tiny>"))
            let csv = try await client.call(.get, "/api/jobs/\(id)/report?format=csv")
            XCTAssertTrue(csv.text.hasPrefix("chart,series,x,y\r\n"))
            let bad = try await client.call(.get, "/api/jobs/\(id)/report?format=pdf")
            XCTAssertEqual(bad.status, .badRequest)

            // The audit over HTTP: the command line's findings, recorded in the audits table.
            let audited = try await client.call(.post, "/api/jobs/\(id)/audit")
            XCTAssertEqual(audited.status, .ok)
            let audit = try audited.decode(AuditReport.self)
            XCTAssertTrue(audit.passed, "\(audit.findings.filter { !$0.passed })")
            XCTAssertFalse(audit.reproduced)
            XCTAssertEqual(Set(audit.findings.map(\.check)), ["manifest_hash", "manifest_valid", "dataset_checksums", "migrations", "secret_commitments",
                                                             "ledger_chain", "ledger_signature", "ledger_complete", "ledger_plan", "epsilon_recomputed",
                                                           "epsilon_within_budget"])
            XCTAssertTrue(audited.text.contains("\"passed\" : true"), "the verdict is in the body")
            // The recorded audit is the operator's and names the server's folders; the API's names them by placeholder.
            let redaction = ServerPathRedaction(configuration: fixture.configuration, databasePath: fixture.database.path)
            let recorded = try XCTUnwrap(try JobReport.load(database: fixture.database, jobId: id).audit?.findings)
            XCTAssertEqual(recorded.map { AuditFinding($0.check, $0.passed, redaction.redact($0.evidence)) }, audit.findings)
            XCTAssertNotEqual(recorded, audit.findings, "dataset_checksums names the folder of the repository's MNIST")
            let unknown = try await client.call(.post, "/api/jobs/999/audit")
            XCTAssertEqual(unknown.status, .notFound)
            XCTAssertEqual(unknown.apiError?.error.code, "job_not_found")

            let cancelFinished = try await client.call(.post, "/api/jobs/\(id)/cancel")
            XCTAssertEqual(cancelFinished.status, .conflict)
            XCTAssertEqual(cancelFinished.apiError?.error.code, "job_finished")
        }
    }

    func testCancellingAQueuedJobTakesEffectAtOnceAndNoWorkerTakesIt() async throws {
        let fixture = try APIFixture()
        try await fixture.test { client in
            let submitted = try await client.call(.post, "/api/jobs", body: tinyManifest()).decode(SubmittedJob.self)
            let response = try await client.call(.post, "/api/jobs/\(submitted.job)/cancel")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(try response.decode(CancelledJob.self), CancelledJob(job: submitted.job, outcome: "cancelled", status: "cancelled"))
            let again = try await client.call(.post, "/api/jobs/\(submitted.job)/cancel")
            XCTAssertEqual(again.status, .ok)
        }
        let record = try fixture.database.job(id: 1)
        XCTAssertEqual(record.status, .cancelled)
        XCTAssertNotNil(record.finishedAt)
        XCTAssertNil(try JobService(database: fixture.database).workOnce())
    }

    func testCancellingARunningJobStopsItAtAStageBoundary() async throws {
        let fixture = try APIFixture()
        let workers = JobWorkers(database: fixture.database, count: 1, pollInterval: 0.05, logger: quietLogger)
        let id: Int64 = try await fixture.test { client in
            let submitted = try await client.call(.post, "/api/jobs", body: tinyManifest(name: "long", rounds: 400)).decode(SubmittedJob.self)
            workers.start()
            XCTAssertTrue(try eventually(within: 120) { try fixture.database.job(id: submitted.job).roundsCompleted >= 1 })
            let response = try await client.call(.post, "/api/jobs/\(submitted.job)/cancel")
            XCTAssertEqual(response.status, .accepted)
            XCTAssertEqual(try response.decode(CancelledJob.self).outcome, "stopping")
            return submitted.job
        }
        XCTAssertTrue(try eventually(within: 120) { try fixture.database.job(id: id).finishedAt != nil })
        workers.stop()
        let record = try fixture.database.job(id: id)
        XCTAssertEqual(record.status, .cancelled)
        XCTAssertLessThan(record.roundsCompleted, 400)
        XCTAssertEqual(record.error, "round \(record.roundsCompleted + 1): the job was cancelled")
        // Every recorded stage run finished; the interrupted round never reached the database half-done.
        let runs = try fixture.database.stageRuns(jobId: id)
        XCTAssertTrue(runs.allSatisfy(\.succeeded))
        XCTAssertEqual(Set(runs.map(\.round)), Set(0...record.roundsCompleted))
    }
}
