import XCTest
import Randomness
@testable import HomomorphicEncryption

/// Share-holder decryption (`SecretKeyResharing`): key holders split their key shares among M
/// share-holders, who then decrypt in their place.
final class MultipartyResharingTests: XCTestCase {
    static let context = HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: 8192))

    /// The share-holders' key shares after every committee member has sent its fragments.
    func holderKeys(_ committee: Committee, holders: Int, seed: UInt64, skipping skipped: Int? = nil) throws -> [HolderKeyShare] {
        let resharing = SecretKeyResharing(context: committee.context, holders: holders)
        var keys = (0..<holders).map { HolderKeyShare(context: committee.context, holder: $0, holders: holders) }
        for (i, s) in committee.shares.enumerated() where i != skipped {
            var rng = RandomStreams(seed: seed).generator("party/\(i)/resharing")
            for (h, fragment) in resharing.split(s, rng: &rng).enumerated() {
                let wire = HESerialization.serialize(fragment, context: committee.context)
                try keys[h].receive(try HESerialization.deserializeKeyFragment(wire, context: committee.context), resharing: resharing)
            }
        }
        return keys
    }

    func testFragmentsAddUpToTheKeyShareAndHolderSharesToTheJointSecret() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 3, seed: 21)
        let resharing = SecretKeyResharing(context: context, holders: 3)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 5, count: 32))
        let fragments = resharing.split(committee.shares[0], rng: &rng)
        XCTAssertEqual(fragments.map(\.holder), [0, 1, 2])
        var sum = resharing.expand(fragments[0])[0]
        for f in fragments.dropFirst() { context.add(&sum, resharing.expand(f)[0]) }
        XCTAssertEqual(sum.residues, committee.shares[0].polynomial.residues)
        // Seeds travel as 32 bytes; only the last fragment is a polynomial.
        let sizes = fragments.map { HESerialization.serialize($0, context: context).count }
        XCTAssertEqual(sizes[0], 14 + 8 + 1 + 32)
        XCTAssertEqual(sizes[2], 14 + 8 + 1 + HESerialization.polynomialByteCount(context: context, limbs: context.maximumLimbCount))

        let keys = try holderKeys(committee, holders: 3, seed: 22)
        XCTAssertEqual(keys.map(\.keyParties), [3, 3, 3])
        var joint = keys[0].polynomial
        for k in keys.dropFirst() { context.add(&joint, k.polynomial) }
        XCTAssertEqual(joint.residues, committee.jointSecret.polynomial.residues)
    }

    /// Against the plaintext values themselves (not against another decryption): the M
    /// share-holders' shares decrypt a weighted sum of vectors encrypted under the collective key.
    func testShareHoldersDecryptTheAggregateAndEveryHolderIsNeeded() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 4, seed: 23)
        let codec = try HEVectorCodec(context: context, mode: .shareHolders, parties: 4, maximumTotalWeight: 8, valueBound: 1)
        let resharing = SecretKeyResharing(context: context, holders: 3)
        let keys = try holderKeys(committee, holders: 3, seed: 24)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 6, count: 32))
        let inputs = (0..<4).map { _ in (0..<5000).map { _ in Float(rng.nextUnitDouble() * 2 - 1) } }
        let vectors = try inputs.map { try codec.encrypt($0, publicKey: committee.publicKey, rng: &rng) }
        let weights = [1, 2, 3, 2]
        let sum = try codec.weightedSum(vectors, weights: weights)
        let shares = keys.map { codec.holderDecryptionShares(of: sum, holderKey: $0, resharing: resharing, rng: &rng, threads: 2) }
        // Serialization round trip of what a share-holder sends.
        let wire = shares[1].map { HESerialization.serialize($0, context: context) }
        XCTAssertEqual(try wire.map { try HESerialization.deserializeHolderDecryptionShare($0, context: context) }, shares[1])

        let decoded = try codec.decrypt(sum, holderShares: shares, resharing: resharing, divisor: 8)
        var worst = 0.0
        for j in 0..<5000 {
            let expected = zip(inputs, weights).reduce(0.0) { $0 + Double($1.0[j]) * Double($1.1) } / 8
            worst = max(worst, abs(decoded[j] - expected))
        }
        XCTAssertLessThanOrEqual(worst, pow(2, -Double(codec.precisionBits)))

        for missing in 0..<3 {
            var partial = shares
            partial.remove(at: missing)
            XCTAssertThrowsError(try codec.decrypt(sum, holderShares: partial, resharing: resharing)) { error in
                XCTAssertEqual(error as? MultipartyError, .missingHolders(expected: 3, received: 2))
            }
        }
        XCTAssertThrowsError(try codec.decrypt(sum, holderShares: [shares[0], shares[0], shares[2]], resharing: resharing))
    }

    func testHoldersMissingAKeyHoldersFragmentsCannotDecrypt() throws {
        let context = Self.context
        let committee = Committee(context: context, parties: 3, seed: 25)
        let codec = try HEVectorCodec(context: context, mode: .shareHolders, parties: 3, maximumTotalWeight: 3, valueBound: 1)
        let resharing = SecretKeyResharing(context: context, holders: 2)
        let keys = try holderKeys(committee, holders: 2, seed: 26, skipping: 1)
        XCTAssertEqual(keys.map(\.keyParties), [2, 2])
        var rng = ChaCha20Generator(key: [UInt8](repeating: 7, count: 32))
        let vector = try codec.encrypt([0.5, -0.25], publicKey: committee.publicKey, rng: &rng)
        let shares = keys.map { codec.holderDecryptionShares(of: vector, holderKey: $0, resharing: resharing, rng: &rng) }
        XCTAssertThrowsError(try codec.decrypt(vector, holderShares: shares, resharing: resharing)) { error in
            XCTAssertEqual(error as? MultipartyError, .missingShares(expected: 3, received: 2))
        }
    }
}
