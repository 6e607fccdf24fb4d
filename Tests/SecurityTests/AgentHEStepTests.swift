import Foundation
import HomomorphicEncryption
import Learning
@testable import Pipeline
import Randomness
import TestSupport
import Wire
import XCTest

/// An agent as a key holder of a threshold HE job, attacked by its orchestrator (issue 14): the
/// orchestrator cannot tell it which parameters to use (they come from the agent's own manifest),
/// cannot get its update in the clear (the training reply holds only its weight, and the upload is
/// a ciphertext), and cannot open more than one vector a round with its decryption shares: after
/// its shares of a round the agent refuses that round's steps.
final class AgentHEStepTests: XCTestCase {
    let manifest = smallMNISTManifest(name: "agents-he", seed: 3, clients: 3, trainExamples: 600, testExamples: 100, rounds: 2,
                                      clientsPerRound: 3, batchSize: 40,
                                      extra: "  deployment: agents\n\nprivacy:\n  homomorphic_encryption: true")

    func step(_ agent: AgentDevice, _ message: HEBlobsMessage, round: Int = 1) throws -> AgentStepReply {
        try AgentStepReply.decode(try agent.answer(HEStepRequest(jobId: 1, client: 0, round: round, message: message).encoded()))
    }

    func testAnAgentEncryptsUnderTheKeyItWasSentAndOpensOneAggregateARound() throws {
        let mnist = try MNIST.load(directory: repositoryMNIST)
        let agent = try AgentDevice(name: "agent-0", data: mnist.train.prefix(200),
                                    stateDirectory: try scratchDirectory(prefix: "agent-he") + "/state", budget: nil, sign: { _ in [7] })
        var generator = RandomStreams(seed: 1).generator("init")
        let global = Model(architecture: .mlp, generator: &generator).parameters
        let trained = try TrainReply.decode(try agent.answer(TrainRequest(
            jobId: 1, client: 0, round: 1, learningRate: 0.1, noiseMultiplier: 0, manifestText: manifest,
            global: GlobalModelMessage(round: 1, parameters: global).encoded()).encoded()))
        XCTAssertEqual(try UpdateHeld.decode(trained.update).sampleCount, 200, "only the weight leaves the agent")

        // Its key share, against the manifest's public reference polynomial; the collective key
        // of this one share stands in for the orchestrator's sum.
        let setup = try HESetup.make(try ManifestReader().parse(manifest, file: "m"), noiseMultiplier: nil, maxGradNorm: nil,
                                     parameterCount: global.count)
        let shareReply = try step(agent, HEBlobsMessage(.publicKeyShare, epochOrRound: 0, sender: 0, blobs: []))
        let shareBlob = try HEBlobsMessage.decode(shareReply.message).blobs(expecting: .publicKeyShare, epochOrRound: 0, sender: 0)[0]
        let generation = CollectivePublicKeyGeneration(context: setup.context, crs: CommonReferencePolynomial(
            context: setup.context, seed: RandomStreams(seed: 3).key("he/epoch/0/crs")))
        let key = generation.finalize(try generation.aggregate([try HESerialization.deserializePublicKeyShare(shareBlob, context: setup.context)]))

        // Asked to encrypt before it has the key: refused. With it: a signed ciphertext upload.
        XCTAssertThrowsError(try step(agent, HEBlobsMessage(.publicKey, epochOrRound: 0, sender: 0, blobs: []))) {
            XCTAssertTrue("\($0)".contains("no collective key of epoch 0"), "\($0)")
        }
        // A key with another number of secrets than the manifest's setup gives is refused.
        XCTAssertGreaterThan(setup.codec.secretsPerKey, 1)
        var rng = RandomStreams(seed: 9).generator("other")
        let single = generation.finalize(try generation.aggregate([generation.generateShare(
            secretKeyShare: SecretKey(context: setup.context, secrets: 1, rng: &rng), rng: &rng)]))
        XCTAssertThrowsError(try step(agent, HEBlobsMessage(.publicKey, epochOrRound: 0, sender: 0, blobs: [HESerialization.serialize(single, context: setup.context)]))) {
            XCTAssertTrue("\($0)".contains("secrets"), "\($0)")
        }
        let encrypted = try step(agent, HEBlobsMessage(.publicKey, epochOrRound: 0, sender: 0, blobs: [HESerialization.serialize(key, context: setup.context)]))
        XCTAssertEqual(encrypted.signature, [7])
        let upload = try ClientUpdateMessage.decode(encrypted.message)
        guard case .encrypted(let e) = upload.payload else { return XCTFail("the upload is not encrypted") }
        XCTAssertEqual(e.keyID, key.keyID)

        // Its decryption shares of the round's aggregate, once: a second request (another vector
        // the orchestrator would open) is refused.
        let vector = try setup.codec.receive(e.ciphertexts, count: e.valueCount)
        let download = setup.codec.wireDownload(of: vector)
        let shares = try step(agent, HEBlobsMessage(.aggregateDownload, epochOrRound: 1, sender: 0, blobs: download))
        XCTAssertFalse(try HEBlobsMessage.decode(shares.message).blobs(expecting: .decryptionShares, epochOrRound: 1, sender: 0).isEmpty)
        XCTAssertThrowsError(try step(agent, HEBlobsMessage(.aggregateDownload, epochOrRound: 1, sender: 0, blobs: download))) {
            XCTAssertTrue("\($0)".contains("no update of job 1 round 1"), "\($0)")
        }
        // Its decrypted share with this key alone opens its own upload: one key holder's share is
        // the whole key here, which is why a real job has every agent's share in the key.
        let opened = try setup.codec.decrypt(vector, shares: [try setup.codec.receiveDecryptionShares(
            try HEBlobsMessage.decode(shares.message).blobs(expecting: .decryptionShares, epochOrRound: 1, sender: 0))], divisor: 1)
        XCTAssertEqual(opened.count, global.count)
    }
}
