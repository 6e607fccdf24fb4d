import Randomness
@testable import SecureComputation
import Wire
import XCTest

final class FixedPointAndSharingTests: XCTestCase {
    func testFixedPointRoundTripIsWithinHalfAnUnitInTheLastPlace() throws {
        let encoding = try FixedPointEncoding(fractionalBits: 20, maxSummands: 100)
        var g = ChaCha20Generator(key: [UInt8](repeating: 1, count: 32))
        let values = (0..<1000).map { _ in Float(g.nextUnitDouble() * 200 - 100) }
        let decoded = encoding.decode(try encoding.encode(values))
        for (x, y) in zip(values, decoded) { XCTAssertLessThanOrEqual(abs(Double(x) - y), 0x1p-21) }
    }

    func testSumOfEncodingsDecodesToTheSumOfRoundedValues() throws {
        let encoding = try FixedPointEncoding(fractionalBits: 16, maxSummands: 3)
        let a: [Float] = [1.5, -2.25, 0.0001], b: [Float] = [-3, 7.125, -0.0001], c: [Float] = [0.5, 0.5, 0.5]
        var sum = try encoding.encode(a)
        RingVector.add(try encoding.encode(b), into: &sum)
        RingVector.add(try encoding.encode(c), into: &sum)
        let expected = zip(zip(a, b), c).map { Double($0.0) + Double($0.1) + Double($1) }
        for (e, d) in zip(expected, encoding.decode(sum)) { XCTAssertEqual(e, d, accuracy: 3 * 0x1p-17) }
    }

    func testFixedPointOverflowForTheConfiguredClientCountIsRefused() throws {
        let encoding = try FixedPointEncoding(fractionalBits: 40, maxSummands: 1000)
        // 2^63 / (1000 · 2^40) ≈ 8388.6: the largest magnitude whose 1000-fold sum cannot wrap.
        XCTAssertEqual(encoding.maxMagnitude, 8388.608, accuracy: 0.001)
        XCTAssertNoThrow(try encoding.encode([8388.0]))
        XCTAssertThrowsError(try encoding.encode([1, 8389.0])) { error in
            guard case let SecureComputationError.fixedPointOverflow(index, _, _, summands) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(index, 1)
            XCTAssertEqual(summands, 1000)
        }
        XCTAssertThrowsError(try encoding.encode([Float.nan]))
        // The advertised bound is itself encodable, and just past it is not, for any n and f.
        for (f, n) in [(0, 1), (24, 4), (40, 1000), (52, 3), (16, 1 << 20)] {
            let e = try FixedPointEncoding(fractionalBits: f, maxSummands: n)
            XCTAssertNoThrow(try e.encode(e.maxMagnitude), "f=\(f) n=\(n)")
            XCTAssertThrowsError(try e.encode(-e.maxMagnitude * (1 + 0x1p-40) - 1), "f=\(f) n=\(n)")
        }
        // The bound is tight: 1000 copies of the largest encodable value do not wrap.
        let top = encoding.maxEncodedMagnitude
        let total = (0..<1000).reduce(Int64(0)) { acc, _ in acc + top }
        XCTAssertGreaterThan(total, 0)
    }

    func testAdditiveSharesReconstructRandomVectorsForTwoAndThreeHolders() throws {
        var g = ChaCha20Generator(key: [UInt8](repeating: 2, count: 32))
        for holders in [2, 3, 5] {
            let secret = (0..<333).map { _ in g.next() }
            let shares = AdditiveSecretSharing.share(secret, holders: holders, using: &g)
            XCTAssertEqual(shares.filter { if case .seed = $0 { return true } else { return false } }.count, holders - 1)
            XCTAssertEqual(try AdditiveSecretSharing.reconstruct(shares), secret)
            XCTAssertNotEqual(shares.last!.expanded(), secret)
            let explicit = AdditiveSecretSharing.shareExplicitly(secret, holders: holders, using: &g)
            XCTAssertEqual(RingVector.sum(explicit, count: secret.count), secret)
        }
    }

    func testMersenneFieldMultiplicationMatchesWideModularProduct() {
        var g = ChaCha20Generator(key: [UInt8](repeating: 3, count: 32))
        let p = MersennePrimeField.modulus
        for _ in 0..<2000 {
            let a = MersennePrimeField.random(using: &g), b = MersennePrimeField.random(using: &g)
            // Independent reference: the full 128-bit product divided by p.
            let (hi, lo) = a.multipliedFullWidth(by: b)
            let expected = p.dividingFullWidth((hi % p, lo)).remainder
            XCTAssertEqual(MersennePrimeField.multiply(a, b), expected)
            if a != 0 { XCTAssertEqual(MersennePrimeField.multiply(a, MersennePrimeField.inverse(a)), 1) }
        }
    }

    func testShamirReconstructsFromEveryThresholdSubsetAndBytesRoundTrip() throws {
        var g = ChaCha20Generator(key: [UInt8](repeating: 4, count: 32))
        let secretBytes = g.bytes(32)
        let shamir = try ShamirSecretSharing(threshold: 3)
        let shares = try shamir.share(bytes: secretBytes, at: [1, 2, 3, 4, 5], using: &g)
        for a in 0..<5 { for b in (a + 1)..<5 { for c in (b + 1)..<5 {
            XCTAssertEqual(try shamir.reconstructBytes([shares[c], shares[a], shares[b]], count: 32), secretBytes)
        } } }
        XCTAssertThrowsError(try shamir.reconstruct(Array(shares.prefix(2))))
        // With t − 1 shares plus a wrong one the result differs.
        let forged = ShamirShare(x: shares[2].x, values: shares[2].values.map { MersennePrimeField.add($0, 1) })
        XCTAssertNotEqual(try? shamir.reconstructBytes([shares[0], shares[1], forged], count: 32), secretBytes)
    }

    func testShamirInterpolationMatchesPolynomialEvaluatedByHand() throws {
        // f(x) = 42 + 5x + 7x² shared by hand: f(1) = 54, f(2) = 80, f(3) = 120.
        let shamir = try ShamirSecretSharing(threshold: 3)
        let shares = [ShamirShare(x: 1, values: [54]), ShamirShare(x: 2, values: [80]), ShamirShare(x: 3, values: [120])]
        XCTAssertEqual(try shamir.reconstruct(shares), [42])
    }

    func testAdditiveAggregationReconstructsExactlyTheSumOfAllClients() throws {
        let clients = 7, length = 50
        let encoding = try FixedPointEncoding(fractionalBits: 24, maxSummands: clients)
        var g = ChaCha20Generator(key: [UInt8](repeating: 5, count: 32))
        let updates = (0..<clients).map { _ in (0..<length).map { _ in Float(g.nextUnitDouble() * 2 - 1) } }
        for holders in [2, 3] {
            let scheme = try AdditiveAggregation(holders: holders, encoding: encoding)
            var holderState = (0..<holders).map { AdditiveShareHolder(holder: $0, parameters: length) }
            var received = [Int](repeating: 0, count: holders)
            for (c, u) in updates.enumerated() {
                for m in try scheme.protect(update: u, client: c, using: &g) {
                    try holderState[m.holder].receive(m)
                    received[m.holder] += m.encoded().count
                }
            }
            let ring = try scheme.reconstructRing(holderState.map { $0.partialSum() })
            var expected = [UInt64](repeating: 0, count: length)
            for u in updates { RingVector.add(try encoding.encode(u), into: &expected) }
            XCTAssertEqual(ring, expected)
            // Seed holders receive 32 bytes of seed per client, the last holder a full vector; each
            // framed message adds the 16-byte frame, the ids (8), the tag (2) and a length (8).
            let frame = 16 + 8 + 2
            XCTAssertEqual(received[0], clients * (frame + 8 + 32 + 8))
            XCTAssertEqual(received[holders - 1], clients * (frame + 8 + 8 * length))
            XCTAssertThrowsError(try scheme.reconstructRing(Array(holderState.dropLast().map { $0.partialSum() })))
        }
    }

    func testAdditiveRoundWithDroppedClientsSumsExactlyTheSendersAndCountsHolderBytes() throws {
        let clients = 6, length = 40
        let encoding = try FixedPointEncoding(fractionalBits: 20, maxSummands: clients)
        var g = ChaCha20Generator(key: [UInt8](repeating: 6, count: 32))
        let updates = (0..<clients).map { _ in (0..<length).map { _ in Float(g.nextUnitDouble() * 4 - 2) } }
        let scheme = try AdditiveAggregation(holders: 3, encoding: encoding)
        let outcome = try scheme.run(updates: updates, dropped: [1, 4], streams: RandomStreams(seed: 5).scoped("additive"), threads: 2)
        XCTAssertEqual(outcome.includedClients, [0, 2, 3, 5])
        var expected = [UInt64](repeating: 0, count: length)
        for c in [0, 2, 3, 5] { RingVector.add(try encoding.encode(updates[c]), into: &expected) }
        XCTAssertEqual(outcome.ringSum, expected)
        // Framed messages: 16-byte frame, client and holder ids (8), the tag (2), then a seed
        // share's length-prefixed 32 bytes and its expanded length, or the vector's count and words.
        let seedShare = 16 + 8 + 2 + (8 + 32) + 8, vectorShare = 16 + 8 + 2 + 8 + 8 * length
        XCTAssertEqual(outcome.traffic.shareHolderReceived, [4 * seedShare, 4 * seedShare, 4 * vectorShare])
        XCTAssertEqual(outcome.traffic.clientSent[1], 0)
        XCTAssertEqual(outcome.traffic.clientSent[0], 2 * seedShare + vectorShare)
    }

    func testAdditiveReconstructionRefusesPartialSumsOverDifferentClients() throws {
        let encoding = try FixedPointEncoding(fractionalBits: 20, maxSummands: 4)
        let scheme = try AdditiveAggregation(holders: 2, encoding: encoding)
        let a = PartialSumMessage(holder: 0, clients: [0, 1], sum: [1]), b = PartialSumMessage(holder: 1, clients: [0], sum: [2])
        XCTAssertThrowsError(try scheme.reconstructRing([a, b])) { error in
            guard case SecureComputationError.malformedMessage = error else { return XCTFail("\(error)") }
        }
    }
}
