import Randomness
@testable import SecureComputation
import XCTest

/// A malicious SecAgg server that sends several unmasking requests to collect, for one victim j,
/// t shares of both its self-mask seed b_j and its masking key s_j^SK — with both it removes every
/// mask from y_j and reads x_j (Bonawitz et al. 2017, section 4, Round 4: an honest client reveals
/// one kind per peer, never both). Each client remembers what it revealed (`SecAggRevealRecord`),
/// so the second request for the other kind is refused and the victim's input stays masked.
///
/// Each attack also runs against forgetful clients — copies of the clients taken before the first
/// request, which is what a client that judged each request on its own amounted to — to show the
/// attack recovers x_j exactly when the record is missing, so the refusals are what stops it.
final class SecAggRevealAttackTests: XCTestCase {
    let n = 5, threshold = 3, length = 64, victim = 0

    /// The server's state after round 2: every client uploaded y_u.
    struct Round {
        var clients: [SecAggClient]
        let inputs: [[UInt64]]
        let masked: [[UInt64]]
        let publicKeys: [SecAggPublicKeys]
    }

    func honestRoundUpToUnmasking(seed: UInt64) throws -> Round {
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: length, threshold: threshold)
        let streams = RandomStreams(seed: seed).scoped("reveal-attack")
        var g = streams.generator("graph")
        let graph = SecAggGraph(configuration: config, using: &g)
        var gens = (0..<n).map { streams.generator("client/\($0)") }
        var clients = (0..<n).map { SecAggClient(id: $0, configuration: config, graph: graph, using: &gens[$0]) }
        var server = SecAggServer(configuration: config, graph: graph)
        let publicKeys = clients.map { $0.advertiseKeys() }
        let dirs = try server.collectKeys(publicKeys)
        let shares = try (0..<n).map { try clients[$0].shareKeys(dirs[$0]!, using: &gens[$0]) }
        let routed = try server.routeShares(shares)
        var inputGenerator = streams.generator("inputs")
        let inputs = (0..<n).map { _ in (0..<length).map { _ in inputGenerator.next() } }
        let masked = try (0..<n).map { try clients[$0].maskedInput(inputs[$0], routedShares: routed[$0]!).maskedInput }
        return Round(clients: clients, inputs: inputs, masked: masked, publicKeys: publicKeys)
    }

    /// "The victim survived": the request an honest server sends when everyone uploaded.
    var victimSurvived: SecAggUnmaskingRequest { SecAggUnmaskingRequest(survivors: Array(0..<n), dropped: []) }
    /// "The victim dropped after sharing": the lie that asks for its masking key.
    var victimDropped: SecAggUnmaskingRequest {
        SecAggUnmaskingRequest(survivors: (0..<n).filter { $0 != victim }, dropped: [victim])
    }

    /// Sends `request` to `recipients` and keeps the answers; refusals are counted, not fatal.
    func ask(_ clients: inout [SecAggClient], _ recipients: [Int], _ request: SecAggUnmaskingRequest)
        -> (answers: [SecAggUnmaskingResponse], refusals: [SecureComputationError]) {
        var answers: [SecAggUnmaskingResponse] = [], refusals: [SecureComputationError] = []
        for i in recipients {
            do { answers.append(try clients[i].unmask(request)) } catch { refusals.append(error as! SecureComputationError) }
        }
        return (answers, refusals)
    }

    /// What the server can do with both secrets: x_j = y_j − PRG(b_j) − Σ_{v ≠ j} ±PRG(s_{j,v}).
    /// - Throws: `invalidParameters` from Shamir reconstruction when fewer than t shares of either came.
    func unmaskVictim(_ round: Round, seedShares: [ShamirShare], keyShares: [ShamirShare]) throws -> [UInt64] {
        let shamir = try ShamirSecretSharing(threshold: threshold)
        let seed = try shamir.reconstructBytes(seedShares, count: 32)
        let key = try shamir.reconstructBytes(keyShares, count: 32)
        var x = round.masked[victim]
        ChaCha20Keystream(key: seed).apply(.subtract, to: &x)
        for v in 0..<n where v != victim {
            let pairwise = try SecAggKeyDerivation.pairwiseMaskSeed(rawSecret: key, peer: round.publicKeys[v].maskingKey, victim, v)
            ChaCha20Keystream(key: pairwise).apply(victim < v ? .subtract : .add, to: &x)
        }
        return x
    }

    func testServerAskingForSelfMaskThenKeySharesOfOnePeerIsRefusedAndCannotUnmaskIt() throws {
        var round = try honestRoundUpToUnmasking(seed: 1)
        let forgetful = round.clients
        let first = ask(&round.clients, Array(0..<n), victimSurvived)
        XCTAssertTrue(first.refusals.isEmpty)
        let seedShares = first.answers.compactMap { $0.selfMaskSeedShares[victim] }
        XCTAssertEqual(seedShares.count, n, "the honest request gets every share of b_0")

        let second = ask(&round.clients, (0..<n).filter { $0 != victim }, victimDropped)
        XCTAssertTrue(second.answers.isEmpty, "every client refuses the share of s_0^SK")
        for error in second.refusals {
            guard case let .shareAlreadyRevealed(_, peer, revealed, requested) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(peer, victim)
            XCTAssertEqual(revealed, .selfMaskSeed)
            XCTAssertEqual(requested, .maskingKey)
        }
        let keyShares = second.answers.compactMap { $0.maskingKeyShares[victim] }
        XCTAssertLessThan(keyShares.count, threshold)
        XCTAssertThrowsError(try unmaskVictim(round, seedShares: seedShares, keyShares: keyShares))
        // With b_0 alone the server's view still carries the pairwise masks.
        var partial = round.masked[victim]
        ChaCha20Keystream(key: try ShamirSecretSharing(threshold: threshold).reconstructBytes(seedShares, count: 32)).apply(.subtract, to: &partial)
        XCTAssertNotEqual(partial, round.inputs[victim])

        // Control: clients that forgot what they revealed hand over s_0^SK and the input falls out.
        var naive = forgetful
        let leaked = ask(&naive, (0..<n).filter { $0 != victim }, victimDropped).answers.compactMap { $0.maskingKeyShares[victim] }
        XCTAssertEqual(try unmaskVictim(round, seedShares: seedShares, keyShares: leaked), round.inputs[victim])
    }

    func testServerAskingForKeyThenSelfMaskSharesOfOnePeerIsRefusedAndCannotUnmaskIt() throws {
        var round = try honestRoundUpToUnmasking(seed: 2)
        let forgetful = round.clients
        let others = (0..<n).filter { $0 != victim }
        let first = ask(&round.clients, others, victimDropped)
        XCTAssertTrue(first.refusals.isEmpty)
        let keyShares = first.answers.compactMap { $0.maskingKeyShares[victim] }
        XCTAssertEqual(keyShares.count, n - 1)

        let second = ask(&round.clients, Array(0..<n), victimSurvived)
        XCTAssertEqual(second.refusals.count, n - 1, "all but the victim refuse; the victim reveals only its own share")
        XCTAssertEqual(second.refusals, others.map {
            .shareAlreadyRevealed(client: $0, peer: victim, revealed: .maskingKey, requested: .selfMaskSeed)
        })
        let seedShares = second.answers.compactMap { $0.selfMaskSeedShares[victim] }
        XCTAssertLessThan(seedShares.count, threshold)
        XCTAssertThrowsError(try unmaskVictim(round, seedShares: seedShares, keyShares: keyShares))

        var naive = forgetful
        let leaked = ask(&naive, Array(0..<n), victimSurvived).answers.compactMap { $0.selfMaskSeedShares[victim] }
        XCTAssertEqual(try unmaskVictim(round, seedShares: leaked, keyShares: keyShares), round.inputs[victim])
    }

    func testTellingClientsDifferentStoriesNeverYieldsTSharesOfBothWhenTIsAMajority() throws {
        // The record binds each client; across clients the server may lie differently to each.
        // Every client then answers for the victim with one kind only, so the two kinds come from
        // disjoint sets of clients, and with t > n/2 both cannot reach t. Every split is tried,
        // each followed by the opposite request to everyone.
        XCTAssertGreaterThan(2 * threshold, n)
        for split in 0..<(1 << n) {
            var round = try honestRoundUpToUnmasking(seed: 3)
            let toldSurvived = (0..<n).filter { split & (1 << $0) != 0 }
            let toldDropped = (0..<n).filter { split & (1 << $0) == 0 }
            var answers = ask(&round.clients, toldSurvived, victimSurvived).answers
            answers += ask(&round.clients, toldDropped, victimDropped).answers
            answers += ask(&round.clients, Array(0..<n), victimSurvived).answers
            answers += ask(&round.clients, Array(0..<n), victimDropped).answers
            let seeds = Set(answers.compactMap { $0.selfMaskSeedShares[victim]?.x })
            let keys = Set(answers.compactMap { $0.maskingKeyShares[victim]?.x })
            XCTAssertTrue(seeds.isDisjoint(with: keys), "split \(split): no client gave both")
            XCTAssertFalse(seeds.count >= threshold && keys.count >= threshold, "split \(split): \(seeds.count) and \(keys.count) shares")
        }
    }
}
