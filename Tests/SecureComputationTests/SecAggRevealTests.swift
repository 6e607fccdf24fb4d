import Randomness
@testable import SecureComputation
import XCTest

/// Round 4 (Unmasking) as a client answers it: one kind of share per peer for good, whatever the
/// server asks and however often (Bonawitz et al. 2017, section 4, Round 4), and no answer when
/// fewer than t survivors are listed.
final class SecAggRevealTests: XCTestCase {
    let streams = RandomStreams(seed: 2020).scoped("secagg-reveal-test")

    /// A SecAgg round driven by hand up to the unmasking request, so tests can send the clients
    /// requests an honest server would not.
    struct Round {
        var clients: [SecAggClient]
        var server: SecAggServer
        let inputs: [[UInt64]]
        let request: SecAggUnmaskingRequest
    }

    /// n clients, threshold t; the clients in `silent` share keys but never upload.
    func roundUpToUnmasking(clients n: Int, threshold: Int, silent: Set<Int> = [], length: Int = 12) throws -> Round {
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: length, threshold: threshold)
        var g = streams.generator("graph")
        let graph = SecAggGraph(configuration: config, using: &g)
        var gens = (0..<n).map { streams.generator("client/\($0)") }
        var clients = (0..<n).map { SecAggClient(id: $0, configuration: config, graph: graph, using: &gens[$0]) }
        var server = SecAggServer(configuration: config, graph: graph)
        let dirs = try server.collectKeys(clients.map { $0.advertiseKeys() })
        let shares = try (0..<n).map { try clients[$0].shareKeys(dirs[$0]!, using: &gens[$0]) }
        let routed = try server.routeShares(shares)
        var inputGenerator = streams.generator("inputs")
        let inputs = (0..<n).map { _ in (0..<length).map { _ in inputGenerator.next() } }
        let masked = try (0..<n).filter { !silent.contains($0) }.map { try clients[$0].maskedInput(inputs[$0], routedShares: routed[$0]!) }
        let request = try server.collectMaskedInputs(masked)
        return Round(clients: clients, server: server, inputs: inputs, request: request)
    }

    func testHonestRoundWithDropoutsStillSumsExactlyAndEachClientRevealsOneKindPerPeer() throws {
        // Client 2 drops before uploading, client 5 after uploading (it never answers round 4).
        var round = try roundUpToUnmasking(clients: 7, threshold: 4, silent: [2])
        XCTAssertEqual(round.request.dropped, [2])
        let answering = [0, 1, 3, 4, 6]
        var responses: [SecAggUnmaskingResponse] = []
        for i in answering { responses.append(try round.clients[i].unmask(round.request)) }
        let sum = try round.server.unmask(responses)
        XCTAssertEqual(sum, RingVector.sum([0, 1, 3, 4, 5, 6].map { round.inputs[$0] }, count: 12))
        for i in answering {
            for peer in 0..<7 {
                XCTAssertEqual(round.clients[i].revealRecord.kind(revealedFor: peer), peer == 2 ? .maskingKey : .selfMaskSeed, "client \(i), peer \(peer)")
            }
        }
        // The round driver, which now lets each client keep its record, agrees.
        let config = try SecAggConfiguration.secAgg(clients: 7, parameters: 12, threshold: 4)
        let outcome = try SecAggRound.run(configuration: config, encodedInputs: round.inputs,
                                          dropouts: SecAggDropouts([2: .beforeMaskedInput, 5: .beforeUnmasking, 6: .beforeShareKeys]),
                                          streams: streams)
        XCTAssertEqual(outcome.includedClients, [0, 1, 3, 4, 5])
        XCTAssertEqual(outcome.ringSum, RingVector.sum([0, 1, 3, 4, 5].map { round.inputs[$0] }, count: 12))
    }

    func testClientNeverRevealsBothSharesOfOnePeer() throws {
        var round = try roundUpToUnmasking(clients: 5, threshold: 3)
        let honest = round.request
        XCTAssertEqual(honest.survivors, [0, 1, 2, 3, 4])
        let first = try round.clients[1].unmask(honest)
        XCTAssertNotNil(first.selfMaskSeedShares[3])
        // The same client is then told 3 dropped: it would hand over its share of s_3^SK.
        let lie = SecAggUnmaskingRequest(survivors: [0, 1, 2, 4], dropped: [3])
        XCTAssertThrowsError(try round.clients[1].unmask(lie)) { error in
            XCTAssertEqual(error as? SecureComputationError,
                           .shareAlreadyRevealed(client: 1, peer: 3, revealed: .selfMaskSeed, requested: .maskingKey))
        }
        // The reverse order: told 3 dropped first, survived afterwards.
        var reverse = try roundUpToUnmasking(clients: 5, threshold: 3)
        let keys = try reverse.clients[1].unmask(lie)
        XCTAssertNotNil(keys.maskingKeyShares[3])
        XCTAssertNil(keys.selfMaskSeedShares[3])
        XCTAssertThrowsError(try reverse.clients[1].unmask(honest)) { error in
            XCTAssertEqual(error as? SecureComputationError,
                           .shareAlreadyRevealed(client: 1, peer: 3, revealed: .maskingKey, requested: .selfMaskSeed))
        }
        // Across any number of requests: a third, honest-looking one is refused too.
        XCTAssertThrowsError(try reverse.clients[1].unmask(SecAggUnmaskingRequest(survivors: [1, 2, 3, 4], dropped: [0])))
        XCTAssertEqual(reverse.clients[1].revealRecord.kind(revealedFor: 3), .maskingKey)
    }

    func testReaskingTheSameKindReturnsTheSameShares() throws {
        var round = try roundUpToUnmasking(clients: 5, threshold: 3, silent: [4])
        let first = try round.clients[0].unmask(round.request)
        let again = try round.clients[0].unmask(round.request)
        XCTAssertEqual(first, again)
        // A request naming fewer peers, each with the kind it already got, is answered as well.
        let subset = try round.clients[0].unmask(SecAggUnmaskingRequest(survivors: [0, 1, 2], dropped: []))
        XCTAssertEqual(subset.selfMaskSeedShares, first.selfMaskSeedShares.filter { $0.key < 3 })
    }

    func testOneRequestListingAPeerAsSurvivorAndDroppedIsRefused() throws {
        var round = try roundUpToUnmasking(clients: 5, threshold: 3)
        let both = SecAggUnmaskingRequest(survivors: [0, 1, 2, 3, 4], dropped: [4, 2])
        XCTAssertThrowsError(try round.clients[0].unmask(both)) { error in
            XCTAssertEqual(error as? SecureComputationError, .conflictingUnmaskingRequest(client: 0, peer: 2))
            XCTAssertTrue("\(error)".contains("client 2"), "the message names the peer: \(error)")
        }
        XCTAssertEqual(round.clients[0].revealRecord, SecAggRevealRecord(), "a refused request commits nothing")
    }

    func testClientRefusesToUnmaskWhenFewerThanThresholdSurvive() throws {
        var round = try roundUpToUnmasking(clients: 5, threshold: 3)
        let few = SecAggUnmaskingRequest(survivors: [0, 1], dropped: [2, 3, 4])
        XCTAssertThrowsError(try round.clients[0].unmask(few)) { error in
            XCTAssertEqual(error as? SecureComputationError, .tooFewSurvivors(stage: "unmasking (client 0)", survivors: 2, threshold: 3))
        }
        // Nothing was committed, so the honest request is still answered in full.
        let answer = try round.clients[0].unmask(round.request)
        XCTAssertEqual(answer.selfMaskSeedShares.keys.sorted(), [0, 1, 2, 3, 4])
        XCTAssertTrue(answer.maskingKeyShares.isEmpty)
    }

    func testClientRefusesRequestsNamingStrangersOrItselfAsDropped() throws {
        var round = try roundUpToUnmasking(clients: 5, threshold: 3)
        for request in [SecAggUnmaskingRequest(survivors: [0, 1, 2, 3, 4, 9], dropped: []),
                        SecAggUnmaskingRequest(survivors: [1, 2, 3, 4], dropped: [0])] {
            XCTAssertThrowsError(try round.clients[0].unmask(request)) { error in
                guard case SecureComputationError.malformedMessage = error else { return XCTFail("\(error)") }
            }
        }
    }

    func testRefusalMessagesNameThePeerAndBothSecrets() {
        let message = "\(SecureComputationError.shareAlreadyRevealed(client: 1, peer: 3, revealed: .selfMaskSeed, requested: .maskingKey))"
        XCTAssertTrue(message.contains("client 1"), message)
        XCTAssertTrue(message.contains("self-mask seed b_3"), message)
        XCTAssertTrue(message.contains("masking key s_3^SK"), message)
    }
}
