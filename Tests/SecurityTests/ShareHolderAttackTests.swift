import Crypto
import HomomorphicEncryption
import Foundation
import Learning
@testable import Pipeline
import Provisioning
import Randomness
import ResultsStore
import SecureComputation
import TestSupport
import Wire
import XCTest

/// Additive sharing with share-holders of their own (issue 14), with the orchestrator as the
/// attacker. It relays every share, so a dishonest one would try to open one client's update:
/// ask each holder for a "sum" over that client alone and add the answers; pad a round with
/// clients of its own; count one agent twice; ask a holder for a second sum over a smaller set
/// and subtract; or hand the agents a key of its own in a holder's place. Each attempt is made
/// here against the real agent and share-holder code, and refused.
final class ShareHolderAttackTests: XCTestCase {
    var manifest = smallMNISTManifest(name: "agents-additive", seed: 3, clients: 3, trainExamples: 600, testExamples: 100, rounds: 2,
                                      clientsPerRound: 3, batchSize: 40,
                                      extra: "  deployment: agents\n  min_clients: 2\n\nprivacy:\n  secure_aggregation: additive\n  share_holders: 2")
    var scratch = ""
    var kits: [String: LoadedKit] = [:]
    var manifestSha256: String { Digest.sha256Hex(manifest) }

    override func setUpWithError() throws {
        scratch = try scratchDirectory(prefix: "share-holder-attacks")
        var plan = StartupKit.Plan(agents: 3)
        plan.shareHolders = 2
        let out = URL(fileURLWithPath: scratch).appendingPathComponent("kits")
        for participant in try StartupKit.provision(plan, out: out) {
            kits[participant.name] = try LoadedKit.load(from: out.appendingPathComponent(participant.name))
        }
    }

    func signer(_ name: String) -> @Sendable ([UInt8]) throws -> [UInt8] {
        let kit = kits[name]!
        return { try ParticipantSignature.sign($0, with: kit) }
    }

    func holder(_ h: Int, state: String? = nil) throws -> ShareHolderAgent {
        let name = ShareHolderAgent.name(of: h)
        return try ShareHolderAgent(name: name, stateDirectory: state ?? scratch + "/\(name)", caPEM: kits[name]!.caPEM, sign: signer(name))
    }

    func key(of holder: ShareHolderAgent, _ h: Int) throws -> HolderKey {
        let acceptance = try HolderAcceptance.decode(try holder.answer(HolderOffer(jobId: 1, holder: h, manifestText: manifest).encoded()))
        return HolderKey(holder: h, publicKey: acceptance.publicKey, signature: acceptance.signature,
                         certificatePEM: kits[ShareHolderAgent.name(of: h)]!.certificatePEM)
    }

    /// Agent k trained for round 1 as client k of job 1 on 200 images of its own; also its held update.
    func trainedAgent(_ k: Int) throws -> (agent: AgentDevice, delta: [Float]) {
        let mnist = try MNIST.load(directory: repositoryMNIST)
        let name = "agent-\(k)"
        let agent = try AgentDevice(name: name, data: mnist.train.subset(Array(200 * k ..< 200 * (k + 1))), stateDirectory: scratch + "/\(name)",
                                    budget: nil, sign: signer(name), caPEM: kits[name]!.caPEM)
        var generator = RandomStreams(seed: 1).generator("init")
        let global = Model(architecture: .mlp, generator: &generator).parameters
        _ = try agent.answer(TrainRequest(jobId: 1, client: k, round: 1, learningRate: 0.1, noiseMultiplier: 0, manifestText: manifest,
                                          global: GlobalModelMessage(round: 1, parameters: global).encoded()).encoded())
        let delta = try agent.rounds.with(AgentRoundSessions.Key(job: 1, round: 1)) { $0.held.delta }
        return (agent, delta)
    }

    func shares(_ agent: AgentDevice, client: Int, keys: [HolderKey]) throws -> (SealedShares, String) {
        let reply = try AgentStepReply.decode(try agent.answer(AdditiveShareRequest(jobId: 1, client: client, round: 1, summands: 3, holders: keys).encoded()))
        return (try SealedShares.decode(reply.message), kits["agent-\(client)"]!.certificatePEM)
    }

    func contribution(_ sealed: (SealedShares, String), holder h: Int, as client: Int? = nil) -> HolderContribution {
        HolderContribution(client: client ?? sealed.0.client, roundKey: sealed.0.roundKey, share: sealed.0.shares[h], certificatePEM: sealed.1)
    }

    func sum(_ holder: ShareHolderAgent, _ h: Int, _ contributions: [HolderContribution]) throws -> PartialSumMessage {
        let reply = try AgentStepReply.decode(try holder.answer(HolderSumRequest(jobId: 1, holder: h, round: 1, manifestText: manifest,
                                                                                 contributions: contributions).encoded()))
        return try PartialSumMessage.decode(reply.message)
    }

    func assertRefused(_ body: @autoclosure () throws -> Any, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { XCTAssertTrue("\($0)".contains(reason), "\($0)", file: file, line: line) }
    }

    func testAShareHolderSumsOnlyOneRoundsWorthOfSharesFromDistinctCertifiedAgents() throws {
        let holders = try (0..<2).map { try holder($0) }
        let keys = try (0..<2).map { try key(of: holders[$0], $0) }
        let trained = try (0..<3).map { try trainedAgent($0) }
        let sealed = try (0..<3).map { try shares(trained[$0].agent, client: $0, keys: keys) }

        // What the orchestrator relays does not open under a key of its own.
        var stream = RandomStreams(seed: 9).generator("orchestrator")
        let own = ShareSealing.privateKey(from: &stream)
        let slot = ShareContext(jobId: 1, manifestSha256: manifestSha256, round: 1, client: 0, holder: 1)
        XCTAssertThrowsError(try ShareSealing.open(sealed[0].0.shares[1], roundKey: sealed[0].0.roundKey, holderKey: own, context: slot))

        // One client alone: the two holders' answers would add up to its update.
        assertRefused(try sum(holders[0], 0, [contribution(sealed[0], holder: 0)]), "fewer than the 2")
        // One agent counted twice, as clients 0 and 1.
        assertRefused(try sum(holders[0], 0, [contribution(sealed[0], holder: 0), contribution(sealed[0], holder: 0, as: 1)]),
                      "agent-0 signed more than one")
        // A client of the orchestrator's own making, signed with its own kit, and one with a
        // certificate from another CA that names a real agent.
        var fake = sealed[2].0.shares[0]
        let fakeContext = ShareContext(jobId: 1, manifestSha256: manifestSha256, round: 1, client: 2, holder: 0)
        let box = try ShareSealing.seal(AdditiveShareMessage(client: 2, holder: 0, share: .vector([UInt64](repeating: 0, count: 3))).encoded(),
                                        roundKey: own, holderKey: keys[0].publicKey, context: fakeContext)
        fake.salt = box.salt; fake.ciphertext = box.ciphertext
        fake.signature = try signer("orchestrator")(SealedShareStatement(context: fakeContext, roundKey: Array(own.publicKey.rawRepresentation), share: fake).bytes)
        let padded = HolderContribution(client: 2, roundKey: Array(own.publicKey.rawRepresentation), share: fake,
                                        certificatePEM: kits["orchestrator"]!.certificatePEM)
        assertRefused(try sum(holders[0], 0, [contribution(sealed[0], holder: 0), padded]), "whose role is orchestrator, not agent")
        let foreignOut = URL(fileURLWithPath: scratch).appendingPathComponent("foreign")
        try StartupKit.provision(StartupKit.Plan(agents: 3), out: foreignOut)
        let foreign = try LoadedKit.load(from: foreignOut.appendingPathComponent("agent-2"))
        fake.signature = try ParticipantSignature.sign(SealedShareStatement(context: fakeContext, roundKey: Array(own.publicKey.rawRepresentation),
                                                                            share: fake).bytes, with: foreign)
        assertRefused(try sum(holders[0], 0, [contribution(sealed[0], holder: 0),
                                             HolderContribution(client: 2, roundKey: padded.roundKey, share: fake, certificatePEM: foreign.certificatePEM)]),
                      "not signed by this federation's CA")
        // Holder 1's share relayed to holder 0, and a share moved into another client's slot.
        assertRefused(try sum(holders[0], 0, [contribution(sealed[0], holder: 0), contribution(sealed[1], holder: 1)]), "not signed by agent-1")
        assertRefused(try sum(holders[0], 0, [contribution(sealed[0], holder: 0), contribution(sealed[1], holder: 0, as: 2)]), "not signed by agent-1")

        // The honest round: both holders' sums add up to the agents' weighted updates exactly.
        let partials = try (0..<2).map { h in try sum(holders[h], h, (0..<3).map { contribution(sealed[$0], holder: h) }) }
        XCTAssertEqual(partials.map(\.clients), [[0, 1, 2], [0, 1, 2]])
        let encoding = try FixedPointEncoding(fractionalBits: SecureAggregationRoundPlan.fractionalBits, maxSummands: 3)
        let ring = try AdditiveAggregation(holders: 2, encoding: encoding).reconstructRing(partials)
        var expected = [UInt64](repeating: 0, count: ring.count)
        for (_, delta) in trained { RingVector.add(try encoding.encode(delta.map { $0 * 200 }), into: &expected) }
        XCTAssertEqual(ring, expected)

        // A second sum of round 1 over clients 0 and 1 would give client 2's share by difference:
        // refused, also by a holder restarted on the same state folder. The same request again
        // (a retried round) is answered with the same sum.
        let smaller = (0..<2).map { contribution(sealed[$0], holder: 0) }
        assertRefused(try sum(holders[0], 0, smaller), "would open the difference")
        assertRefused(try sum(try holder(0), 0, smaller), "would open the difference")
        XCTAssertEqual(try sum(try holder(0), 0, (0..<3).map { contribution(sealed[$0], holder: 0) }), partials[0])
    }

    func testAnAgentSealsSharesOnlyForKeysItsCAIssuedToThoseHolders() throws {
        let holders = try (0..<2).map { try holder($0) }
        let keys = try (0..<2).map { try key(of: holders[$0], $0) }
        let (agent, _) = try trainedAgent(0)
        // The orchestrator's own key in holder 0's place, signed with the orchestrator's kit.
        var stream = RandomStreams(seed: 9).generator("orchestrator")
        let own = Array(ShareSealing.privateKey(from: &stream).publicKey.rawRepresentation)
        let statement = HolderKeyStatement(jobId: 1, manifestSha256: manifestSha256, holder: 0, publicKey: own)
        let forged = HolderKey(holder: 0, publicKey: own, signature: try signer("orchestrator")(statement.bytes),
                               certificatePEM: kits["orchestrator"]!.certificatePEM)
        assertRefused(try shares(agent, client: 0, keys: [forged, keys[1]]), "whose role is orchestrator, not share-holder")
        // share-holder-1's key standing for holder 0: one holder would get both shares.
        var swapped = keys[1]
        swapped.holder = 0
        assertRefused(try shares(agent, client: 0, keys: [swapped, keys[1]]), "comes with share-holder-1's certificate")
        // A real holder's certificate with the orchestrator's key under it.
        assertRefused(try shares(agent, client: 0, keys: [HolderKey(holder: 0, publicKey: own, signature: keys[0].signature,
                                                                     certificatePEM: keys[0].certificatePEM), keys[1]]), "is not signed by share-holder-0")
        // Fewer holders than the manifest's.
        assertRefused(try shares(agent, client: 0, keys: [keys[0]]), "the manifest has 2 share-holders")
        // The honest keys.
        let (sealed, _) = try shares(agent, client: 0, keys: keys)
        XCTAssertEqual(sealed.shares.map(\.holder), [0, 1])
    }

    /// DP + HE + MPC: the holders take a key epoch only whole (every key holder's fragment), and
    /// decrypt each round once, with a share that lives on their machine only. Their decryption
    /// shares open a vector encrypted under the agents' collective key to its plaintext.
    func testUnderDPHEMPCAHolderTakesEveryKeyHoldersFragmentAndDecryptsEachRoundOnce() throws {
        manifest = manifest.replacingOccurrences(of: "  secure_aggregation: additive", with: "  homomorphic_encryption: true\n  secure_aggregation: additive")
        let holders = try (0..<2).map { try holder($0) }
        let keys = try (0..<2).map { try key(of: holders[$0], $0) }
        let agents = try (0..<3).map { try trainedAgent($0).agent }
        let parsed = try ManifestReader().parse(manifest, file: "test")
        let setup = try HESetup.make(parsed, noiseMultiplier: nil, maxGradNorm: nil, parameterCount: PreparedJob.architecture(of: parsed.model).parameterCount)
        let resharing = try XCTUnwrap(setup.resharing)

        // The collective key from the agents' public-key shares, as the orchestrator makes it.
        let generation = setup.keyGeneration(epoch: 0, publicStreams: RandomStreams(seed: parsed.seed))
        let keyShares = try (0..<3).map { k in
            let reply = try AgentStepReply.decode(try agents[k].answer(HEStepRequest(jobId: 1, client: k, round: 1,
                message: HEBlobsMessage(.publicKeyShare, epochOrRound: 0, sender: k, blobs: [])).encoded()))
            return try HESerialization.deserializePublicKeyShare(try HEBlobsMessage.decode(reply.message).blobs(expecting: .publicKeyShare, epochOrRound: 0, sender: k)[0],
                                                                 context: setup.context)
        }
        let publicKey = generation.finalize(try generation.aggregate(keyShares), epoch: 0)
        let fragments = try (0..<3).map { k in
            (try SealedShares.decode(try AgentStepReply.decode(try agents[k].answer(
                KeyFragmentRequest(jobId: 1, client: k, round: 1, epoch: 0, holders: keys).encoded())).message), kits["agent-\(k)"]!.certificatePEM)
        }
        func keyRequest(_ h: Int, _ clients: [Int]) -> [UInt8] {
            HolderKeyRequest(jobId: 1, holder: h, epoch: 0, manifestText: manifest, contributions: clients.map { contribution(fragments[$0], holder: h) }).encoded()
        }
        // Two of the three fragments would make a share that decrypts nothing (or, summed with a
        // made-up third, the orchestrator's choice).
        assertRefused(try holders[0].answer(keyRequest(0, [0, 1])), "needs the fragments of key holders [0, 1, 2]")
        // A fragment is no additive share of an update: a holder of an HE job sums no shares.
        assertRefused(try sum(holders[0], 0, (0..<3).map { contribution(fragments[$0], holder: 0) }), "its share-holders decrypt")
        for h in 0..<2 { _ = try holders[h].answer(keyRequest(h, [0, 1, 2])) }

        // A vector under the collective key; the holders' shares open it to the plaintext.
        let values = (0..<PreparedJob.architecture(of: parsed.model).parameterCount).map { Float($0 % 7) * 0.125 - 0.25 }
        var rng = RandomStreams(seed: 5).generator("encrypt")
        let upload = try setup.codec.encrypt(values, publicKey: publicKey, rng: &rng)
        // As the orchestrator holds it: received from the wire and summed (with weight 1).
        let vector = try setup.codec.weightedSum([try setup.codec.receive(setup.codec.wireForm(of: upload), count: values.count)], weights: [1])
        let download = setup.codec.wireDownload(of: vector)
        func decrypt(_ holder: ShareHolderAgent, _ h: Int, round: Int = 1) throws -> [HolderDecryptionShare] {
            let reply = try AgentStepReply.decode(try holder.answer(HolderDecryptRequest(jobId: 1, holder: h, round: round, manifestText: manifest,
                download: HEBlobsMessage(.aggregateDownload, epochOrRound: round, sender: h, blobs: download)).encoded()))
            return try setup.codec.receiveHolderDecryptionShares(try HEBlobsMessage.decode(reply.message).blobs(expecting: .holderDecryptionShares,
                                                                                                                  epochOrRound: round, sender: h))
        }
        let opened = try setup.codec.decrypt(vector, holderShares: try (0..<2).map { try decrypt(holders[$0], $0) }, resharing: resharing)
        for (a, b) in zip(opened, values) { XCTAssertEqual(a, Double(b), accuracy: 1e-5) }
        // A second download of the round (another vector, perhaps one agent's upload) is refused,
        // and a holder restarted since the key epoch has no share to decrypt with.
        assertRefused(try decrypt(holders[0], 0), "round 1 was decrypted already")
        assertRefused(try decrypt(try holder(1), 1, round: 2), "no key share of job 1 epoch 0")
        // The key holders make no decryption shares of their own in this job.
        assertRefused(try agents[0].answer(HEStepRequest(jobId: 1, client: 0, round: 1,
            message: HEBlobsMessage(.aggregateDownload, epochOrRound: 1, sender: 0, blobs: download)).encoded()), "the job's share-holders decrypt")
    }
}
