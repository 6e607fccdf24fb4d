import Foundation
import XCTest
import Randomness
@testable import HomomorphicEncryption

/// DP + HE + MPC: what any M − 1 share-holders (and the aggregator with them) can learn from
/// their re-shared key material and decryption shares — nothing close to the plaintext — and
/// that a share-holder's key share is uniform, not a ternary key.
final class HEMPCShareHolderSecurityTests: XCTestCase {
    static let holders = 3

    /// Four key holders re-share their secrets among three share-holders.
    static func holderKeys(_ setup: ThresholdDecryptionSecurityTests.Setup) throws -> [HolderKeyShare] {
        let context = ThresholdDecryptionSecurityTests.context
        let resharing = SecretKeyResharing(context: context, holders: holders)
        var keys = (0..<holders).map { HolderKeyShare(context: context, holder: $0, holders: holders) }
        for (i, s) in setup.shares.enumerated() {
            var rng = RandomStreams(seed: 51).generator("party/\(i)/resharing")
            for (h, fragment) in resharing.split(s, rng: &rng).enumerated() { try keys[h].receive(fragment, resharing: resharing) }
        }
        return keys
    }

    func testAnyAllButOneShareHoldersLearnNothingCloseToThePlaintext() throws {
        let context = ThresholdDecryptionSecurityTests.context
        let setup = try ThresholdDecryptionSecurityTests.setup(parties: 4, seed: 52)
        let keys = try Self.holderKeys(setup)
        let resharing = SecretKeyResharing(context: context, holders: Self.holders)
        let threshold = ThresholdDecryption(context: context)
        var rng = ChaCha20Generator(key: [UInt8](repeating: 53, count: 32))
        let shares = keys.map { resharing.decryptionShare(of: setup.ciphertext, holderKey: $0, threshold: threshold, rng: &rng) }
        let encoder = try CKKSEncoder(context: context)
        let closeness = ThresholdDecryptionSecurityTests.closeness
        // Sanity: all three share-holders together decrypt.
        let full = try threshold.finalize(ciphertext: setup.ciphertext, aggregate: try resharing.combine(shares, threshold: threshold))
        XCTAssertGreaterThan(closeness(encoder.decode(full, scale: setup.ciphertext.scale), setup.values, 1e-3).fraction, 0.99)

        for missing in 0..<Self.holders {
            var partial = shares
            partial.remove(at: missing)
            XCTAssertThrowsError(try resharing.combine(partial, threshold: threshold), "share-holder \(missing) missing")
            // What the colluders could compute anyway: c0 plus their own decryption shares…
            let theirs = try threshold.aggregate(partial.map(\.share))
            let view = encoder.decode(threshold.combine(ciphertext: setup.ciphertext, aggregate: theirs), scale: setup.ciphertext.scale)
            let (fraction, correlation) = closeness(view, setup.values, 0.1)
            XCTAssertLessThan(fraction, 0.01, "without share-holder \(missing)")
            XCTAssertLessThan(abs(correlation), 0.1, "without share-holder \(missing)")
            // …or their key shares summed and used as a key (without smudging): still unrelated.
            var pooled = keys[(missing + 1) % Self.holders].polynomial
            context.add(&pooled, keys[(missing + 2) % Self.holders].polynomial)
            let decoded = encoder.decrypt(setup.ciphertext, secretKey: SecretKey(parameterID: context.parameterID, polynomial: pooled))
            let (f2, c2) = closeness(decoded, setup.values, 0.1)
            XCTAssertLessThan(f2, 0.01, "pooled keys without share-holder \(missing)")
            XCTAssertLessThan(abs(c2), 0.1, "pooled keys without share-holder \(missing)")
        }
    }

    /// A share-holder's S_h is uniform in R_Q: its coefficients (mod the first prime) spread over
    /// [0, q), filling each of 16 equal bins to within 15% (about 3.4 standard deviations) — unlike a ternary key,
    /// whose coefficients are all in {0, 1, q − 1}.
    func testAShareHoldersKeyShareIsUniformNotATernaryKey() throws {
        let context = ThresholdDecryptionSecurityTests.context
        let setup = try ThresholdDecryptionSecurityTests.setup(parties: 4, seed: 54)
        for key in try Self.holderKeys(setup) {
            var p = key.polynomial
            context.inverseNTT(&p)
            let q = context.moduli[0].value
            let n = context.degree
            let coefficients = p.residues.prefix(n)
            XCTAssertLessThan(coefficients.filter { $0 <= 1 || $0 == q - 1 }.count, 3, "share-holder \(key.holder)")
            var bins = [Int](repeating: 0, count: 16)
            for c in coefficients { bins[Int(Double(c) / Double(q) * 16)] += 1 }
            for b in bins { XCTAssertEqual(Double(b) / Double(n / 16), 1, accuracy: 0.15, "share-holder \(key.holder) bins \(bins)") }
        }
    }
}
