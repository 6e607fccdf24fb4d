import Foundation
@testable import HomomorphicEncryption
@testable import Pipeline
import ResultsStore
import SecureComputation
import TestSupport
import Wire
import XCTest

/// Every message between parties goes through the job's `Transport`, and the receiver reads only
/// what the bytes say. The attack: a party on the path cuts the last byte off every client
/// upload, or rewrites the round field of every broadcast. The receiver refuses the bytes with a
/// typed `WireError`, the job ends `failed` with that reason, and no half-received round is
/// recorded.
final class TransportTamperTests: XCTestCase {
    /// Passes what the sender encoded through `tamper` before the receiver decodes it.
    struct TamperingTransport: Transport {
        let tamper: @Sendable ([UInt8], Party, Party) -> [UInt8]

        func carry(_ frame: [UInt8], from sender: Party, to receiver: Party) throws -> [UInt8] { tamper(frame, sender, receiver) }
    }

    static let manifest = smallMNISTManifest(name: "tamper", seed: 7, clients: 3, trainExamples: 600, testExamples: 200,
                                             rounds: 2, clientsPerRound: 3)

    func run(through transport: TamperingTransport, manifest: String = TransportTamperTests.manifest) throws
        -> (db: ResultsDatabase, summary: JobSummary?, error: Error?) {
        let (db, path) = try scratchJob(manifest, prefix: "tamper")
        let ready = try JobService.ready(path: path)
        var prepared = ready.prepared
        prepared.transport = transport
        do {
            let summary = try JobService(database: db).runNow(JobService.ReadyJob(path: path, text: ready.text, prepared: prepared))
            return (db, summary, nil)
        } catch {
            return (db, nil, error)
        }
    }

    func testATruncatedUploadFailsTheJobAndRecordsNoRound() throws {
        let (db, summary, error) = try run(through: TamperingTransport { bytes, _, receiver in
            receiver == .aggregator ? Array(bytes.dropLast()) : bytes
        })
        XCTAssertNil(summary)
        XCTAssertTrue(error is WireError, "\(String(describing: error))")
        let job = try XCTUnwrap(try db.jobs().first)
        XCTAssertEqual(job.status, .failed)
        XCTAssertTrue(job.error?.contains("the frame declares") ?? false, job.error ?? "no error recorded")
        XCTAssertEqual(try db.rounds(jobId: job.id!).filter { $0.round > 0 }.map(\.status), ["failed"], "round 1 ends failed, nothing after it")
        XCTAssertTrue(try db.artifacts(jobId: job.id!).allSatisfy { $0.round == 0 }, "no model recorded from a broken round")
    }

    func testABroadcastWithAnotherVersionIsRefused() throws {
        let (db, summary, error) = try run(through: TamperingTransport { bytes, sender, _ in
            guard sender == .aggregator else { return bytes }
            var forged = bytes
            forged[4] = 2  // the frame's version field (u16, little-endian) after "PFW1"
            return forged
        })
        XCTAssertNil(summary)
        XCTAssertEqual(error as? WireError, .unsupportedVersion(2))
        XCTAssertEqual(try db.jobs().first?.status, .failed)
    }

    /// The SecAgg rounds cross the same transport: a cut unmasking request (kind 15) stops the job.
    func testACutSecAggMessageFailsASecureAggregationJob() throws {
        let secagg = smallMNISTManifest(name: "tamper-secagg", seed: 7, clients: 4, trainExamples: 600, testExamples: 200, rounds: 1,
                                        clientsPerRound: 4, extra: "privacy:\n  secure_aggregation: secagg\n  threshold: 3")
        let (db, summary, error) = try run(through: TamperingTransport { bytes, sender, _ in
            sender == .aggregator && bytes.count > 7 && bytes[6] == UInt8(SecAggUnmaskingRequest.wireKind) ? Array(bytes.dropLast()) : bytes
        }, manifest: secagg)
        XCTAssertNil(summary)
        XCTAssertTrue(error is WireError, "\(String(describing: error))")
        XCTAssertEqual(try db.jobs().first?.status, .failed)
    }

    /// Threshold HE: the aggregate a key holder downloads crosses the transport too. An
    /// aggregator (or a party on the path) that narrows its c1 to save bytes, below what the
    /// layout's noise bound covers, is refused by the key holder before it makes a share.
    func testAnOverCompressedAggregateDownloadIsRefusedByTheKeyHolder() throws {
        let he = smallMNISTManifest(name: "tamper-he", seed: 7, clients: 3, trainExamples: 600, testExamples: 200, rounds: 1,
                                    clientsPerRound: 3, extra: "privacy:\n  homomorphic_encryption: true\n  encryption_scheme: CKKS\n  key_length: 8192\n")
        let magic = Array("PFHE".utf8) + [HESerialization.compactVersion, 10]  // a compact download blob
        let narrowed = CallCounter()
        let (db, summary, error) = try run(through: TamperingTransport { bytes, sender, _ in
            guard sender == .aggregator, let at = bytes.firstRange(of: magic)?.lowerBound else { return bytes }
            var forged = bytes
            forged[at + HESerialization.commonHeader + 1 + 1 + 8 + 8 + 4] -= 1  // the c1 width
            narrowed.increment()
            return forged
        }, manifest: he)
        XCTAssertNil(summary)
        XCTAssertGreaterThan(narrowed.value, 0, "the job sent an aggregate download")
        guard case .overCompressed(field: "c1", _, _) = error as? HESerializationError else {
            return XCTFail("\(String(describing: error))")
        }
        XCTAssertEqual(try db.jobs().first?.status, .failed)
    }

    /// Clients encrypt under the collective key as it reached them. An on-path attacker who alters
    /// the key on its way to the clients (here: one bit of its last coefficient) cannot make them
    /// encrypt under a key of its choosing unnoticed: the job fails, as a parse error or as
    /// uploads under a key that is not the epoch's.
    func testAnAlteredPublicKeyOnItsWayToTheClientsFailsTheJob() throws {
        let he = smallMNISTManifest(name: "tamper-pk", seed: 7, clients: 3, trainExamples: 600, testExamples: 200, rounds: 1,
                                    clientsPerRound: 3, extra: "privacy:\n  homomorphic_encryption: true\n  encryption_scheme: CKKS\n  key_length: 8192\n")
        // A public key blob: kind 1, or kind 11 for the multi-secret key of a packed job.
        let magics = [1, 11].map { Array("PFHE".utf8) + [HESerialization.version, UInt8($0)] }
        let altered = CallCounter()
        let (db, summary, error) = try run(through: TamperingTransport { bytes, sender, receiver in
            guard sender == .aggregator, case .client = receiver, magics.contains(where: { bytes.firstRange(of: $0) != nil }) else { return bytes }
            var forged = bytes
            forged[forged.count - 2] ^= 0x01
            altered.increment()
            return forged
        }, manifest: he)
        XCTAssertNil(summary)
        XCTAssertEqual(altered.value, 3, "each client received the key")
        XCTAssertNotNil(error)
        XCTAssertEqual(try db.jobs().first?.status, .failed)
    }

    func testAnHonestTransportCountsTheBytesItCarried() throws {
        let counted = TamperingTransport { bytes, _, _ in bytes }
        let (db, summary, error) = try run(through: counted)
        XCTAssertNil(error)
        let metrics = try db.metrics(jobId: try XCTUnwrap(summary).jobId)
        let sent = metrics.filter { $0.stage == "local_train" && $0.name == "bytes_sent" }.map(\.value)
        let received = metrics.filter { $0.stage == "aggregate" && $0.name == "bytes_received" }.map(\.value)
        XCTAssertEqual(sent.count, 6)
        XCTAssertEqual(received, [sent[0] + sent[1] + sent[2], sent[3] + sent[4] + sent[5]], "the aggregator received what the clients sent")
    }
}

/// Counts calls across the transport's `@Sendable` closure.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
