import Foundation
import Learning
@testable import Pipeline
import Randomness
@testable import SecureComputation
import TestSupport
import Wire
import XCTest

/// An agent under SecAgg+ as the attacked party (issue 14): the orchestrator runs the protocol's
/// server, so it chooses the round's parameters and graph — and a dishonest one would choose them
/// to unmask a single agent's update: a threshold of 1 (its own answers suffice), or a graph whose
/// masks do not cancel. The agent checks what it is sent against its own copy of the manifest and
/// refuses, and it never sends its update itself: the training reply holds only its weight.
final class AgentSecAggSetupTests: XCTestCase {
    let manifest = smallMNISTManifest(name: "agents-secagg", seed: 3, clients: 3, trainExamples: 600, testExamples: 100, rounds: 2,
                                      clientsPerRound: 3, batchSize: 40,
                                      extra: "  deployment: agents\n\nprivacy:\n  secure_aggregation: secagg_plus")

    /// agent-0 with 200 examples, trained for round 1 as client 0 of job 1.
    func trainedAgent() throws -> AgentDevice {
        let mnist = try MNIST.load(directory: repositoryMNIST)
        let agent = try AgentDevice(name: "agent-0", data: mnist.train.prefix(200),
                                    stateDirectory: try scratchDirectory(prefix: "agent-secagg") + "/state", budget: nil, sign: { _ in [1, 2, 3] })
        var generator = RandomStreams(seed: 1).generator("init")
        let global = Model(architecture: .mlp, generator: &generator).parameters
        let reply = try TrainReply.decode(try agent.answer(TrainRequest(
            jobId: 1, client: 0, round: 1, learningRate: 0.1, noiseMultiplier: 0, manifestText: manifest,
            global: GlobalModelMessage(round: 1, parameters: global).encoded()).encoded()))
        // What left the agent: its public weight, no update.
        let held = try UpdateHeld.decode(reply.update)
        XCTAssertEqual(held, UpdateHeld(client: 0, round: 1, sampleCount: 200))
        XCTAssertThrowsError(try ClientUpdateMessage.decode(reply.update))
        parameters = global.count
        return agent
    }
    var parameters = 0

    func advertise(_ agent: AgentDevice, _ setup: SecAggRoundSetup, round: Int = 1) throws -> [UInt8] {
        try agent.answer(SecAggStepRequest(jobId: 1, client: 0, round: round, step: .advertiseKeys, body: setup.encoded()).encoded())
    }

    func honestSetup(clients n: Int = 3) throws -> SecAggRoundSetup {
        let configuration = try SecAggConfiguration.secAggPlus(clients: n, parameters: parameters, fractionalBits: 24, dropoutRate: 0)
        var g = RandomStreams(seed: 2).generator("graph")
        return SecAggRoundSetup(configuration: configuration, graph: SecAggGraph(configuration: configuration, using: &g), id: 0)
    }

    func testTheAgentAdvertisesKeysOnlyForTheRoundItsManifestGives() throws {
        let agent = try trainedAgent()
        // The attack: t = 1 on the same graph. The agent's manifest gives t = 2 for 3 clients.
        let honest = try honestSetup()
        let lowered = SecAggRoundSetup(configuration: try SecAggConfiguration(clients: 3, neighbors: 2, threshold: 1, parameters: parameters,
                                                                              encoding: honest.configuration.encoding),
                                       graph: honest.graph, id: 0)
        XCTAssertThrowsError(try advertise(agent, lowered)) { XCTAssertTrue("\($0)".contains("is not the one the manifest gives"), "\($0)") }
        // More clients than the round can have (clients_per_round = 3).
        XCTAssertThrowsError(try advertise(agent, try honestSetup(clients: 4)))
        // A step before its setup, and a round the agent never trained.
        let shareKeys = SecAggStepRequest(jobId: 1, client: 0, round: 1, step: .shareKeys, body: SecAggKeyDirectory(keys: []).encoded())
        XCTAssertThrowsError(try agent.answer(shareKeys.encoded())) { XCTAssertTrue("\($0)".contains("came before"), "\($0)") }
        XCTAssertThrowsError(try advertise(agent, honest, round: 2)) { XCTAssertTrue("\($0)".contains("no update of job 1 round 2"), "\($0)") }
        // The honest setup is answered with the client's public keys.
        let reply = try AgentStepReply.decode(try advertise(agent, honest))
        XCTAssertEqual(try SecAggPublicKeys.decode(reply.message).client, 0)
        XCTAssertTrue(reply.signature.isEmpty)
    }

    func testAGraphWhoseMasksWouldNotCancelIsRefusedAtParseTime() throws {
        parameters = 10
        let configuration = try SecAggConfiguration(clients: 5, neighbors: 2, threshold: 2, parameters: 10,
                                                    encoding: try FixedPointEncoding(fractionalBits: 24, maxSummands: 5))
        // 0 masks with 1, but 1 does not mask with 0: 0's mask would stay in the sum, or be
        // removed by the server alone.
        let lopsided = [[1, 4], [2, 3], [1, 3], [1, 2], [0, 3]]
        XCTAssertThrowsError(try SecAggGraph(received: lopsided, configuration: configuration)) { XCTAssertTrue("\($0)".contains("not symmetric"), "\($0)") }
        XCTAssertThrowsError(try SecAggGraph(received: [[0, 1], [0, 2], [1, 3], [2, 4], [3, 0]], configuration: configuration))
        var g = RandomStreams(seed: 4).generator("graph")
        let drawn = SecAggGraph(configuration: configuration, using: &g)
        XCTAssertEqual(try SecAggGraph(received: drawn.neighbors, configuration: configuration), drawn)
        let setup = SecAggRoundSetup(configuration: configuration, graph: drawn, id: 3)
        XCTAssertEqual(try SecAggRoundSetup.decode(setup.encoded()), setup)
        let frame = setup.encoded()
        for cut in 0..<frame.count { XCTAssertThrowsError(try SecAggRoundSetup.decode(Array(frame.prefix(cut)))) }
    }
}
