import XCTest
import Randomness
@testable import HomomorphicEncryption

final class HEVectorCodecTests: XCTestCase {
    func testSingleKeyCKKSWeightedMeanMatchesPlaintextAndIsThreadIndependent() throws {
        let context = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: 8192))
        var rng = ChaCha20Generator(key: [UInt8](repeating: 31, count: 32))
        let sk = SecretKey(context: context, rng: &rng)
        let pk = PublicKey(secretKey: sk, context: context, rng: &rng)
        let codec = try HEVectorCodec(context: context, mode: .singleKey, parties: 1, maximumTotalWeight: 10, valueBound: 2)
        let updates = (0..<3).map { _ in (0..<10_000).map { _ in Float(rng.nextUnitDouble() * 4 - 2) } }
        var one = ChaCha20Generator(key: [UInt8](repeating: 32, count: 32)), two = one
        let a = try codec.encrypt(updates[0], publicKey: pk, rng: &one, threads: 1)
        let b = try codec.encrypt(updates[0], publicKey: pk, rng: &two, threads: 2)
        XCTAssertEqual(a.ciphertexts, b.ciphertexts)
        XCTAssertEqual(a.ciphertexts.count, 2, "N = 8192 values per ciphertext, one per coefficient")
        XCTAssertEqual(codec.serializedByteCount(of: a), codec.serializedByteCount(forValues: 10_000))
        let encrypted = [a] + (try updates.dropFirst().map { try codec.encrypt($0, publicKey: pk, rng: &rng) })
        // FedAvg with weights 2, 3, 5 applied as integers, then a homomorphic 1/10 with rescale.
        let sum = try codec.weightedSum(encrypted, weights: [2, 3, 5], threads: 2)
        let mean = try codec.multiply(sum, byReal: 0.1, threads: 2)
        XCTAssertEqual(mean.ciphertexts[0].limbCount, 2)
        let decoded = codec.decrypt(mean, secretKey: sk, threads: 2)
        let expected = (0..<10_000).map { j in (2 * Double(updates[0][j]) + 3 * Double(updates[1][j]) + 5 * Double(updates[2][j])) / 10 }
        XCTAssertLessThanOrEqual(zip(decoded, expected).map { abs($0 - $1) }.max()!, 1e-6)
        XCTAssertThrowsError(try codec.encrypt([3], publicKey: pk, rng: &rng))
        XCTAssertThrowsError(try codec.weightedSum(encrypted, weights: [20, 0, 0]))
    }

    func testBFVCodecRefusesOverflowingConfigurations() throws {
        let context = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 8192))
        XCTAssertThrowsError(try HEVectorCodec(context: context, mode: .singleKey, parties: 1, maximumTotalWeight: 60_000, valueBound: 100, precisionBits: 20)) {
            guard case .overflow = $0 as? HECodecError else { return XCTFail("\($0)") }
        }
        XCTAssertNoThrow(try HEVectorCodec(context: context, mode: .singleKey, parties: 1, maximumTotalWeight: 10, valueBound: 100, precisionBits: 20))
    }

    func testThresholdCKKSAtTheSmallestRingIsRefusedWithTheNeededModulus() throws {
        // 100 parties: the smudging of 100 shares over a 109-bit modulus leaves no room for 20 bits.
        let context = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: 4096))
        XCTAssertThrowsError(try HEVectorCodec(context: context, mode: .threshold, parties: 100, maximumTotalWeight: 100, valueBound: 1)) {
            guard case .precisionUnreachable = $0 as? MultipartyError else { return XCTFail("\($0)") }
        }
    }

    func testCRTLiftRecoversLargeSignedIntegers() throws {
        // Q = 140 bits and 109 bits: encode known integers of up to 2^138 (2^107) through
        // per-prime residues, lift back, compare — on both sides of the two-word fast path's
        // 2^125 limit, so both the two-word and the three-word sums are checked.
        var rng = ChaCha20Generator(key: [UInt8](repeating: 33, count: 32))
        for n in [8192, 4096] {
            let context = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: n))
            var values = [Double](repeating: 0, count: n)
            for j in 0..<n {
                let exponent = Int(rng.nextBelow(context.maximumLimbCount == 3 ? 139 : 108))
                let v = (rng.nextUnitDouble() * 2 - 1) * Double(sign: .plus, exponent: exponent, significand: 1)
                values[j] = v.rounded()
            }
            var p = RNSPolynomial(degree: n, limbCount: context.maximumLimbCount, isNTTForm: false)
            for i in 0..<p.limbCount {
                let powers = CKKSCoefficientEncoding.powersOfTwo(context.moduli[i])
                for j in 0..<n { p.residues[i * n + j] = CKKSCoefficientEncoding.residue(ofIntegral: values[j], context.moduli[i], powersOfTwo: powers) }
            }
            let lifted = context.liftCentred(p)
            for j in 0..<n where lifted[j] != values[j] { XCTFail("N = \(n), \(j): \(lifted[j]) for \(values[j]) (2^\(log2(abs(values[j]))))"); break }
        }
    }

    func testMinimalLimbsHoldTheMagnitude() throws {
        let context = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: 8192))
        XCTAssertEqual(context.minimalLimbs(forMagnitude: 0x1p45, available: 3), 1)
        XCTAssertEqual(context.minimalLimbs(forMagnitude: 0x1p70, available: 3), 2)
        XCTAssertEqual(context.minimalLimbs(forMagnitude: 0x1p120, available: 3), 3)
        XCTAssertEqual(context.minimalLimbs(forMagnitude: 0x1p120, available: 2), 2)
    }
}
