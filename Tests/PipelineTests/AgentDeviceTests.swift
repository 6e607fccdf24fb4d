import Foundation
import Learning
@testable import Pipeline
import Randomness
import ResultsStore
import TestSupport
import Wire
import XCTest

/// The agent's side of a `deployment: agents` job (issue 14), without the network: the job
/// messages' encoding, what the manifest allows with agents, and the agent's own decisions — its
/// root made and kept on its disk, its ledger, and its refusals of releases past the job's
/// declared budget or its own, whatever noise multiplier the orchestrator sends.
final class AgentDeviceTests: XCTestCase {
    func text(privacy: String = "", federation: String = "", trainExamples: Int = 600) -> String {
        smallMNISTManifest(name: "agents", seed: 3, clients: 3, trainExamples: trainExamples, testExamples: 100, rounds: 3, clientsPerRound: 3,
                           batchSize: 40, extra: "  deployment: agents\n" + federation + "\n" + privacy)
    }
    let dp = "privacy:\n  differential_privacy: true\n  epsilon: 2.0\n  delta: 1e-4\n  max_grad_norm: 1.0"

    func testJobMessagesRoundTripAndEveryTruncationIsATypedError() throws {
        let offer = JobOffer(jobId: 7, client: 2, manifestText: "name: x")
        let acceptance = JobAcceptance(examples: 200, rootCommitment: String(repeating: "ab", count: 32))
        let request = TrainRequest(jobId: 7, client: 2, round: 3, learningRate: 0.1, noiseMultiplier: 1.1, manifestText: "name: x", global: [1, 2, 3])
        let reply = TrainReply(update: [9, 9], signature: Array(repeating: 7, count: 64), steps: 5, epsilonSpent: 0.7)
        XCTAssertEqual(try JobOffer.decode(offer.encoded()), offer)
        XCTAssertEqual(try JobAcceptance.decode(acceptance.encoded()), acceptance)
        XCTAssertEqual(try TrainRequest.decode(request.encoded()), request)
        XCTAssertEqual(try TrainReply.decode(reply.encoded()), reply)
        let frame = request.encoded()
        for cut in stride(from: 0, to: frame.count, by: 3) {
            XCTAssertThrowsError(try TrainRequest.decode(Array(frame.prefix(cut)))) { XCTAssertTrue($0 is WireError, "\($0)") }
        }
        XCTAssertThrowsError(try JobOffer.decode(frame), "a request's frame is not an offer")
        var negative = request
        negative.noiseMultiplier = -1
        XCTAssertThrowsError(try TrainRequest.decode(negative.encoded()))
    }

    func testShareHolderMessagesRoundTripAndEveryTruncationIsATypedError() throws {
        let key = HolderKey(holder: 1, publicKey: Array(repeating: 3, count: 32), signature: Array(repeating: 4, count: 64), certificatePEM: "PEM")
        let share = SealedShare(holder: 1, salt: Array(repeating: 5, count: 32), ciphertext: [6, 7, 8], signature: [9])
        let messages: [[UInt8]] = [
            HolderOffer(jobId: 7, holder: 1, manifestText: "name: x").encoded(),
            HolderAcceptance(rootCommitment: String(repeating: "cd", count: 32), publicKey: key.publicKey, signature: key.signature).encoded(),
            AdditiveShareRequest(jobId: 7, client: 2, round: 3, summands: 3, holders: [key, key]).encoded(),
            SealedShares(client: 2, round: 3, roundKey: key.publicKey, shares: [share, share]).encoded(),
            HolderSumRequest(jobId: 7, holder: 1, round: 3, manifestText: "name: x",
                             contributions: [HolderContribution(client: 2, roundKey: key.publicKey, share: share, certificatePEM: "PEM")]).encoded(),
        ]
        XCTAssertEqual(try HolderOffer.decode(messages[0]).holder, 1)
        XCTAssertEqual(try HolderAcceptance.decode(messages[1]).publicKey, key.publicKey)
        XCTAssertEqual(try AdditiveShareRequest.decode(messages[2]).holders, [key, key])
        XCTAssertEqual(try SealedShares.decode(messages[3]).shares, [share, share])
        XCTAssertEqual(try HolderSumRequest.decode(messages[4]).contributions.first?.share, share)
        let decoders: [([UInt8]) throws -> Any] = [HolderOffer.decode, HolderAcceptance.decode, AdditiveShareRequest.decode, SealedShares.decode,
                                                   HolderSumRequest.decode]
        for (frame, decode) in zip(messages, decoders) {
            for cut in 0..<frame.count { XCTAssertThrowsError(try decode(Array(frame.prefix(cut)))) { XCTAssertTrue($0 is WireError, "\($0)") } }
        }
        // A key that is not 32 bytes does not read.
        var short = key
        short.publicKey = [1, 2, 3]
        XCTAssertThrowsError(try AdditiveShareRequest.decode(AdditiveShareRequest(jobId: 7, client: 2, round: 3, summands: 3, holders: [short]).encoded()))
    }

    func testDeploymentAgentsRefusesWhatTheLinkDoesNotCarryAndItsKeysNeedIt() throws {
        let he = "privacy:\n  homomorphic_encryption: true"
        XCTAssertEqual(try manifestIssues(text(privacy: he)), [])
        XCTAssertEqual(try manifestIssues(text(privacy: he + "\n  secure_aggregation: additive")), [])
        let secagg = "privacy:\n  secure_aggregation: secagg_plus"
        XCTAssertEqual(try manifestIssues(text(privacy: secagg)), [])
        let additive = "privacy:\n  secure_aggregation: additive\n  share_holders: 2"
        XCTAssertEqual(try manifestIssues(text(privacy: additive)), [])
        XCTAssertEqual(try manifestIssues(text(privacy: additive + "\n  dropouts: { 1: [0] }")).map(\.keyPath), ["privacy.dropouts"])
        XCTAssertEqual(try manifestIssues(text(privacy: additive, federation: "  min_clients: 1")).map(\.keyPath), ["federation.min_clients"])
        XCTAssertEqual(try manifestIssues(text(privacy: secagg + "\n  dropout_rate: 0.2")).map(\.keyPath), ["privacy.dropout_rate"])
        XCTAssertEqual(try manifestIssues(text(privacy: secagg, federation: "  min_clients: 1")).map(\.keyPath), ["federation.min_clients"])
        let clientDP = dp + "\n  unit: client"
        XCTAssertTrue(try manifestIssues(text(privacy: clientDP)).map(\.keyPath).contains("privacy.unit"))
        XCTAssertEqual(try manifestIssues(text(federation: "  min_clients: 4")).map(\.keyPath), ["federation.min_clients"])
        let scatter = text().replacingOccurrences(of: "  architecture: mlp", with: "  architecture: linear\n  features: scatter")
        XCTAssertEqual(try manifestIssues(scatter), [])
        XCTAssertEqual(try manifestIssues(text(privacy: dp, federation: "  min_clients: 2\n  round_timeout: 30")), [])
        let simulated = smallMNISTManifest(name: "s", seed: 1, clients: 3, trainExamples: 300, testExamples: 100, rounds: 1, clientsPerRound: 3,
                                           extra: "  round_timeout: 30")
        let issues = try manifestIssues(simulated)
        XCTAssertEqual(issues.map(\.keyPath), ["federation.round_timeout"])
        XCTAssertTrue(issues.first?.message.contains("deployment is agents") ?? false)
        XCTAssertEqual(try manifestIssues(text(federation: "  deployment_mode: agents")).map(\.keyPath), ["federation.deployment_mode"])
    }

    func testASimulatingCommandRefusesAnAgentsJob() throws {
        let (_, path) = try scratchJob(text(), prefix: "agents-run")
        XCTAssertThrowsError(try JobService.ready(path: path)) { XCTAssertTrue("\($0)".contains("privfed orchestrator --run"), "\($0)") }
    }

    /// An agent with 200 examples of its own.
    func agent(budget: AgentBudget? = nil, state: String? = nil) throws -> (AgentDevice, String) {
        let mnist = try MNIST.load(directory: repositoryMNIST)
        let state = try state ?? scratchDirectory(prefix: "agent-state") + "/state"
        return (try AgentDevice(name: "agent-0", data: mnist.train.prefix(200), stateDirectory: state, budget: budget, sign: { _ in [] }), state)
    }

    func request(_ manifest: String, round: Int, sigma: Double) throws -> [UInt8] {
        var generator = RandomStreams(seed: 1).generator("init")
        let global = Model(architecture: .mlp, generator: &generator).parameters
        return TrainRequest(jobId: 1, client: 0, round: round, learningRate: 0.1, noiseMultiplier: sigma, manifestText: manifest,
                            global: GlobalModelMessage(round: round, parameters: global).encoded()).encoded()
    }

    func testAnAgentKeepsItsOwnRootAndLedgerAndRefusesLessNoiseThanTheDeclaredBudgetAllows() throws {
        let manifest = text(privacy: dp)
        let (device, state) = try agent()
        let offer = try JobAcceptance.decode(device.answer(JobOffer(jobId: 1, client: 0, manifestText: manifest).encoded()))
        XCTAssertEqual(offer.examples, 200)
        let rootFiles = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasSuffix(".secrets.json") }
        XCTAssertEqual(rootFiles.count, 1)
        let mode = try FileManager.default.attributesOfItem(atPath: state + "/" + rootFiles[0])[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)

        // The plan's σ for 3 rounds at ε = 2 (as the orchestrator computes it from the counts).
        let plan = try PrivacyPlan.make(try ManifestReader().parse(manifest, file: "m.yaml"), shardSizes: [200, 200, 200])
        XCTAssertThrowsError(try device.answer(request(manifest, round: 1, sigma: plan.noiseMultiplier / 3))) {
            XCTAssertTrue("\($0)".contains("past its declared ε = 2.0"), "\($0)")
        }
        XCTAssertEqual(device.ledger.entries.count, 0, "a refused release leaves no line")
        for round in 1...3 {
            let reply = try TrainReply.decode(device.answer(request(manifest, round: round, sigma: plan.noiseMultiplier)))
            XCTAssertEqual(reply.steps, 5)
        }
        XCTAssertEqual(device.ledger.entries.count, 3)
        // A retried round from the same model is the same release: no second line.
        let again = try TrainReply.decode(device.answer(request(manifest, round: 3, sigma: plan.noiseMultiplier)))
        XCTAssertEqual(device.ledger.entries.count, 3)
        XCTAssertEqual(try ClientUpdateMessage.decode(again.update).round, 3)
        XCTAssertThrowsError(try device.answer(request(manifest, round: 4, sigma: plan.noiseMultiplier)), "a fourth round passes ε = 2")

        // Restarted, the agent reads the same root and the same ledger from its disk.
        let (restarted, _) = try agent(state: state)
        XCTAssertEqual(restarted.ledger.entries, device.ledger.entries)
        let recommitted = try JobAcceptance.decode(restarted.answer(JobOffer(jobId: 1, client: 0, manifestText: manifest).encoded()))
        XCTAssertEqual(recommitted.rootCommitment, offer.rootCommitment)
    }

    func testAnAgentWithABudgetDeclinesAJobWithoutDifferentialPrivacy() throws {
        let (device, _) = try agent(budget: AgentBudget(epsilon: 1, delta: 1e-5))
        XCTAssertThrowsError(try device.answer(JobOffer(jobId: 2, client: 1, manifestText: text()).encoded())) {
            XCTAssertTrue("\($0)".contains("releases only under example-level differential privacy"), "\($0)")
        }
        XCTAssertThrowsError(try device.answer(JobOffer(jobId: 2, client: 5, manifestText: text(privacy: dp)).encoded())) {
            XCTAssertTrue("\($0)".contains("client 5 is not one of the job's 3 clients"), "\($0)")
        }
    }
}

/// The queue with agents jobs in it: a worker without an agent link leaves them for one that has
/// one, and takes the simulated job queued after them.
final class AgentJobQueueTests: XCTestCase {
    func testAWorkerWithoutAnAgentLinkLeavesAgentsJobsQueued() throws {
        let dir = try scratchDirectory(prefix: "agents-queue")
        let db = try scratchDatabase(in: dir)
        var linked = JobService(database: db)
        linked.agents = { _, _, _ in throw RemoteFailure("no agents in this test") }
        let agentsText = smallMNISTManifest(name: "queued-agents", seed: 3, clients: 3, trainExamples: 300, testExamples: 100, rounds: 1,
                                            clientsPerRound: 3, extra: "  deployment: agents")
        let agentsJob = try linked.submit(text: agentsText, source: "request")
        XCTAssertThrowsError(try JobService(database: db).submit(text: agentsText, source: "request"), "a service without a link refuses it")
        let plain = try JobService(database: db).submit(text: smallMNISTManifest(name: "plain", seed: 3, clients: 2, trainExamples: 200, testExamples: 100,
                                                                                  rounds: 1, clientsPerRound: 2), source: "request")
        let taken = try JobService(database: db).workOnce(worker: "no-link")
        XCTAssertEqual(taken?.jobId, plain)
        XCTAssertNil(try JobService(database: db).workOnce(worker: "no-link"), "the agents job is left for a linked worker")
        XCTAssertEqual(try db.job(id: agentsJob).status, .queued)
        // A linked worker takes it; with no agents to join it fails, recorded with the reason.
        let failed = try linked.workOnce(worker: "linked")
        XCTAssertEqual(failed?.jobId, agentsJob)
        XCTAssertEqual(try db.job(id: agentsJob).status, .failed)
        XCTAssertTrue(try db.job(id: agentsJob).error?.contains("no agents in this test") ?? false)
    }
}
