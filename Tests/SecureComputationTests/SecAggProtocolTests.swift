import Randomness
@testable import SecureComputation
import Wire
import XCTest

final class SecAggProtocolTests: XCTestCase {
    let streams = RandomStreams(seed: 2017).scoped("secagg-test")

    func randomInputs(_ n: Int, _ length: Int, _ encoding: FixedPointEncoding, seed: UInt8 = 9) throws -> [[UInt64]] {
        var g = ChaCha20Generator(key: [UInt8](repeating: seed, count: 32))
        return try (0..<n).map { _ in try encoding.encode((0..<length).map { _ in Float(g.nextUnitDouble() * 8 - 4) }) }
    }

    /// A sparse configuration and the graph `SecAggRound.run` will draw from the same stream.
    func sparseRound(clients n: Int, neighbors: Int, threshold: Int, parameters: Int) throws -> (SecAggConfiguration, SecAggGraph) {
        let config = try SecAggConfiguration(clients: n, neighbors: neighbors, threshold: threshold, parameters: parameters,
                                             encoding: FixedPointEncoding(fractionalBits: 24, maxSummands: n))
        var g = streams.generator("server/graph")
        return (config, SecAggGraph(configuration: config, using: &g))
    }

    func plainSum(_ inputs: [[UInt64]], _ clients: [Int]) -> [UInt64] {
        RingVector.sum(clients.map { inputs[$0] }, count: inputs[0].count)
    }

    func testPairwiseAndSelfMasksCancelExactlyWithoutDropouts() throws {
        let config = try SecAggConfiguration.secAgg(clients: 6, parameters: 40)
        let inputs = try randomInputs(6, 40, config.encoding)
        let outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, streams: streams)
        XCTAssertEqual(outcome.ringSum, plainSum(inputs, Array(0..<6)))
        XCTAssertEqual(outcome.includedClients, Array(0..<6))
    }

    func testPairwiseMasksAloneSumToZero() throws {
        // Zero inputs, then remove every self mask by hand: what remains is Σ pairwise masks = 0.
        let config = try SecAggConfiguration.secAgg(clients: 5, parameters: 17)
        var g = streams.generator("graph")
        let graph = SecAggGraph(configuration: config, using: &g)
        var gens = (0..<5).map { streams.generator("c\($0)") }
        var clients = (0..<5).map { SecAggClient(id: $0, configuration: config, graph: graph, using: &gens[$0]) }
        var server = SecAggServer(configuration: config, graph: graph)
        let dirs = try server.collectKeys(clients.map { $0.advertiseKeys() })
        let msgs = try (0..<5).map { try clients[$0].shareKeys(dirs[$0]!, using: &gens[$0]) }
        let routed = try server.routeShares(msgs)
        var total = [UInt64](repeating: 0, count: 17)
        for i in 0..<5 {
            var y = try clients[i].maskedInput([UInt64](repeating: 0, count: 17), routedShares: routed[i]!).maskedInput
            ChaCha20Keystream(key: clients[i].selfMaskSeed).apply(.subtract, to: &y)
            XCTAssertNotEqual(y, [UInt64](repeating: 0, count: 17), "each client's pairwise mask is nonzero")
            RingVector.add(y, into: &total)
        }
        XCTAssertEqual(total, [UInt64](repeating: 0, count: 17))
    }

    func testDropoutRecoveryWorksAtEveryCountUpToNMinusTAndFailsBeyond() throws {
        let n = 8
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: 24, threshold: 5)
        let inputs = try randomInputs(n, 24, config.encoding)
        for point in [SecAggDropoutPoint.beforeMaskedInput, .beforeUnmasking, .beforeShareKeys] {
            for dropped in 0...(n - config.threshold + 1) {
                let dropouts = SecAggDropouts(Dictionary(uniqueKeysWithValues: (0..<dropped).map { ((3 * $0 + 1) % n, point) }))
                if dropped <= n - config.threshold {
                    let outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: dropouts, streams: streams)
                    let included = point == .beforeUnmasking ? Array(0..<n)
                        : (0..<n).filter { dropouts.points[$0] == nil }
                    XCTAssertEqual(outcome.includedClients, included, "\(point) \(dropped)")
                    XCTAssertEqual(outcome.ringSum, plainSum(inputs, included), "\(point) \(dropped)")
                } else {
                    XCTAssertThrowsError(try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: dropouts, streams: streams)) { error in
                        guard case let SecureComputationError.tooFewSurvivors(_, survivors, threshold) = error else { return XCTFail("\(error)") }
                        XCTAssertEqual(survivors, n - dropped)
                        XCTAssertEqual(threshold, 5)
                    }
                }
            }
        }
    }

    func testMixedDropoutsAtDifferentStepsStillGiveThePlaintextSum() throws {
        let n = 10
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: 33, threshold: 6)
        let inputs = try randomInputs(n, 33, config.encoding)
        let dropouts = SecAggDropouts([1: .beforeShareKeys, 4: .beforeMaskedInput, 7: .beforeUnmasking, 9: .beforeMaskedInput])
        let outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: dropouts, streams: streams, threads: 2)
        XCTAssertEqual(outcome.includedClients, [0, 2, 3, 5, 6, 7, 8])
        XCTAssertEqual(outcome.ringSum, plainSum(inputs, outcome.includedClients))
    }

    func testSecAggPlusSparseGraphSumsExactlyWithDropoutsAndFailsWhenANeighbourhoodEmpties() throws {
        let n = 30
        let (config, graph) = try sparseRound(clients: n, neighbors: 8, threshold: 5, parameters: 20)
        XCTAssertTrue(graph.neighbors.allSatisfy { $0.count == 8 })
        for u in 0..<n { for v in graph.neighbors[u] { XCTAssertTrue(graph.neighbors[v].contains(u), "symmetric") } }
        let inputs = try randomInputs(n, 20, config.encoding)
        var d = streams.generator("dropouts")
        let dropouts = SecAggDropouts.random(clients: n, rate: 0.1, at: .beforeMaskedInput, using: &d)
        let outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: dropouts, streams: streams, threads: 2)
        XCTAssertEqual(outcome.ringSum, plainSum(inputs, outcome.includedClients))
        XCTAssertEqual(outcome.includedClients.count, n - 3)
        // Drop all but 3 of client 0's group (t = 5): its secrets become unrecoverable.
        let victims = graph.neighbors[0].prefix(6)
        let starve = SecAggDropouts(Dictionary(uniqueKeysWithValues: victims.map { ($0, .beforeMaskedInput) }))
        XCTAssertThrowsError(try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: starve, streams: streams))
    }

    func testFloatRoundDecodesToThePlaintextSumWithinRounding() throws {
        let n = 5
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: 10, fractionalBits: 20)
        var g = ChaCha20Generator(key: [UInt8](repeating: 11, count: 32))
        let updates = (0..<n).map { _ in (0..<10).map { _ in Float(g.nextUnitDouble() - 0.5) } }
        let outcome = try SecAggRound.run(configuration: config, updates: updates, dropouts: SecAggDropouts([2: .beforeUnmasking]), streams: streams)
        for j in 0..<10 {
            XCTAssertEqual(outcome.sum[j], updates.reduce(0) { $0 + Double($1[j]) }, accuracy: Double(n) * 0x1p-21)
        }
        XCTAssertGreaterThan(outcome.traffic.maxClientSent, 8 * 10)
    }

    func testSecAggPlusDegreeIsLogarithmicForManyClients() {
        let k100 = SecAggConfiguration.chooseDegree(clients: 100, dropoutRate: 0.2, failureProbability: 1e-6)
        let k10k = SecAggConfiguration.chooseDegree(clients: 10_000, dropoutRate: 0.05, failureProbability: 1e-6)
        XCTAssertLessThan(k10k, 100)
        XCTAssertGreaterThanOrEqual(k10k, 2 * 14, "at least 2⌈log2 n⌉")
        XCTAssertLessThanOrEqual(k100, 99)
        XCTAssertEqual(SecAggConfiguration.chooseDegree(clients: 100, dropoutRate: 0, failureProbability: 1e-6), 14)
        print("SecAgg+ degree: n=100 (20% dropout) k=\(k100); n=10000 (5%) k=\(k10k)")
    }

    /// Every message's bytes are its encoding on the common frame (16-byte header), as carried.
    func testMessageByteCountsAreTheirFramedEncodings() throws {
        let n = 5, length = 100
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: length, threshold: 3)
        let inputs = try randomInputs(n, length, config.encoding)
        let outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, streams: streams)
        let frame = 16
        // Public keys: id, two length-prefixed 32-byte X25519 keys.
        let keys = 4 + 2 * (8 + 32)
        // A sealed share pair: from and to ids, then the length-prefixed ChaChaPoly ciphertext of
        // the two Shamir shares of 32-byte secrets (12 bytes of ids and point, 2 × 5 field
        // elements of 8 bytes) with its 16-byte tag.
        let sealed = 4 + 4 + 8 + (12 + 80 + 16)
        let shareKeys = frame + 4 + 8 + (n - 1) * sealed, masked = frame + 4 + 8 + 8 * length
        // One self-mask-seed share per survivor, itself included: id, point, counted values.
        let unmask = frame + 4 + (8 + n * (4 + 8 + 8 + 8 * 5)) + 8
        for c in 0..<n { XCTAssertEqual(outcome.traffic.clientSent[c], frame + keys + shareKeys + masked + unmask, "client \(c)") }
        let directory = frame + 8 + (n - 1) * keys, routed = frame + 4 + 8 + (n - 1) * sealed
        let request = frame + (8 + 4 * n) + 8
        for c in 0..<n { XCTAssertEqual(outcome.traffic.clientReceived[c], directory + routed + request, "client \(c)") }
        XCTAssertEqual(outcome.traffic.serverReceived, outcome.traffic.clientSent.reduce(0, +))
        XCTAssertEqual(outcome.traffic.serverSent, outcome.traffic.clientReceived.reduce(0, +))
    }

    /// A carrier that cuts a byte off the server's unmasking request: the client refuses it with
    /// a typed `WireError` before acting on it.
    func testATruncatedMessageIsRefusedByItsReceiver() throws {
        let config = try SecAggConfiguration.secAgg(clients: 4, parameters: 10, threshold: 3)
        let inputs = try randomInputs(4, 10, config.encoding)
        XCTAssertThrowsError(try SecAggRound.run(configuration: config, encodedInputs: inputs, randomness: SecAggPartyRandomness(streams: streams),
                                                 carry: { bytes, from, _ in
                                                     from == .server && bytes[6] == UInt8(SecAggUnmaskingRequest.wireKind) ? Array(bytes.dropLast()) : bytes
                                                 })) { error in
            XCTAssertTrue(error is WireError, "\(error)")
        }
    }

    func testRoundRefusesToUnmaskWhenSurvivorsSplitTheSparseGraph() throws {
        // A ring (k = 2): dropping both neighbours of client 0 leaves it alone, so unmasking would
        // reveal its input; the server stops and so would every client.
        let n = 12
        let (config, graph) = try sparseRound(clients: n, neighbors: 2, threshold: 2, parameters: 8)
        let inputs = try randomInputs(n, 8, config.encoding)
        let cut = SecAggDropouts(Dictionary(uniqueKeysWithValues: graph.neighbors[0].map { ($0, .beforeMaskedInput) }))
        XCTAssertThrowsError(try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: cut, streams: streams)) { error in
            XCTAssertEqual(error as? SecureComputationError, .disconnectedSurvivors(components: 2))
        }
        XCTAssertEqual(graph.components(among: Set(0..<n)), 1)
        // One dropout keeps the ring connected (a path): the round succeeds.
        let one = SecAggDropouts([graph.neighbors[0][0]: .beforeMaskedInput])
        let outcome = try SecAggRound.run(configuration: config, encodedInputs: inputs, dropouts: one, streams: streams)
        XCTAssertEqual(outcome.ringSum, plainSum(inputs, outcome.includedClients))
    }
}
