import XCTest
import Randomness
@testable import HomomorphicEncryption

/// The centred CRT lift against integers built first and reduced by `WideInteger` (not by the
/// lift's constants), on all three of its paths: one prime, two words (N = 8192's Q of 140 bits)
/// with the three-word fallback near Q/2, and three words only (N = 16384's Q of 360 bits).
final class CRTLiftTests: XCTestCase {
    static let contexts = [8192, 16384].map { HEContext(parameters: try! .standard(scheme: .ckks, ringDegree: $0)) }

    /// A signed integer |x| < 2^bits from three words, its Double (rounded once, from the
    /// exact value) and its residues modulo each prime.
    static func sample(bits: Int, rng: inout ChaCha20Generator, moduli: [Modulus]) -> (Double, [UInt64]) {
        var words = [rng.next(), rng.next(), rng.next()]
        for k in 0..<3 {
            let keep = max(0, min(64, bits - 64 * k))
            words[k] = keep == 0 ? 0 : (keep == 64 ? words[k] : words[k] & ((1 << UInt64(keep)) - 1))
        }
        let negative = rng.next() & 1 == 1
        // Exactly rounded: the top 53 bits decide, with a sticky bit for the rest.
        let magnitude = Self.exactDouble(words)
        let residues = moduli.map { m -> UInt64 in
            let r = WideInteger.residue(words, modulo: m)
            return negative ? m.negate(r) : r
        }
        return (negative ? -magnitude : magnitude, residues)
    }

    /// The correctly rounded Double of a three-word magnitude (round to nearest, ties to even),
    /// by shifting to 64 significant bits with a sticky bit and letting one conversion round.
    static func exactDouble(_ w: [UInt64]) -> Double {
        let bits = WideInteger.bitWidth(w)
        if bits <= 64 { return Double(w[0]) }
        let shift = bits - 64
        // top = ⌊x / 2^shift⌋ (64 bits), sticky = whether any lower bit is set.
        var top: UInt64 = 0, sticky = false
        let value = (UInt128(w[1]) << 64 | UInt128(w[0]), w[2])
        if shift < 64 {
            let low128 = value.0 >> UInt128(shift) | (shift == 0 ? 0 : UInt128(value.1) << UInt128(128 - shift))
            top = UInt64(truncatingIfNeeded: low128)
            sticky = shift > 0 && value.0 & ((1 << UInt128(shift)) - 1) != 0
        } else {
            let s = shift - 64
            let mid = UInt128(value.1) << 64 | (value.0 >> 64)
            top = UInt64(truncatingIfNeeded: mid >> UInt128(s))
            sticky = (s > 0 && mid & ((1 << UInt128(s)) - 1) != 0) || UInt64(truncatingIfNeeded: value.0) != 0
        }
        // 64 bits round to 53 in one conversion; a set sticky bit below breaks a tie upward.
        if sticky { top |= 1 }
        return Double(top) * pow(2, Double(shift))
    }

    /// Exact below 2^53; above, within one unit in the last place (the lift converts the words
    /// one by one, which may round twice).
    static func assertClose(_ lifted: [Double], _ expected: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(lifted.count, expected.count, message, file: file, line: line)
        for (j, (a, b)) in zip(lifted, expected).enumerated() {
            let ok = abs(b) < 0x1p53 ? a == b : abs(a - b) <= b.ulp
            if !ok {
                XCTFail("\(message): coefficient \(j) lifted to \(a), expected \(b)", file: file, line: line)
                return
            }
        }
    }

    func testLiftReturnsTheIntegerOnEveryPath() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 31, count: 32))
        for context in Self.contexts {
            let n = context.degree, limbs = context.maximumLimbCount, logQ = context.logModulus(limbs: limbs)
            for l in [1, 2, limbs] {
                let maxBits = min(190, Int(context.logModulus(limbs: l)) - 2)
                var p = RNSPolynomial(degree: n, limbCount: l, isNTTForm: false)
                var expected = [Double](repeating: 0, count: n)
                for j in 0..<n {
                    let bits = j < 64 ? maxBits : 1 + Int(rng.nextBelow(UInt64(maxBits)))
                    let (x, residues) = Self.sample(bits: bits, rng: &rng, moduli: Array(context.moduli.prefix(l)))
                    expected[j] = x
                    for i in 0..<l { p.residues[i * n + j] = residues[i] }
                }
                Self.assertClose(context.liftCentred(p), expected, "N = \(n), \(l) of \(limbs) primes (log Q = \(logQ))")
                // The rows of an unscaled inverse transform: N·x, lazily in [0, 2q), lifted with N^−1 folded in.
                var unscaled = p
                for i in 0..<l {
                    let m = context.moduli[i], scale = UInt64(n) % m.value
                    for j in 0..<n {
                        let r = m.multiply(p.residues[i * n + j], scale)
                        unscaled.residues[i * n + j] = j % 3 == 0 ? r + m.value : r
                    }
                }
                let lifted = unscaled.residues.withUnsafeBufferPointer { rows in
                    [Double](unsafeUninitializedCapacity: n) { out, count in
                        context.levelConstants[l - 1].liftUnscaled.lift(rows: rows.baseAddress!, stride: n, start: 0, count: n,
                                                                       multiplier: 1, into: out.baseAddress!)
                        count = n
                    }
                }
                XCTAssertEqual(lifted, context.liftCentred(p), "N = \(n), \(l) primes: unscaled rows lift bit for bit as the canonical ones")
                Self.assertClose(lifted, expected, "N = \(n), \(l) primes, unscaled rows")
            }
        }
    }

    /// The fused decryption (product with the key's Shoup companions, unscaled inverse NTT in
    /// doubles, N^−1 in the lift) gives the unfused one's values bit for bit, for a key with
    /// companions and for one assembled from its polynomials alone.
    func testFusedDecryptionMatchesDecryptThenDecode() throws {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 32, count: 32))
        for context in Self.contexts {
            let secretKey = SecretKey(context: context, rng: &rng)
            let publicKey = PublicKey(secretKey: secretKey, context: context, rng: &rng)
            let bare = SecretKey(parameterID: context.parameterID, polynomials: secretKey.polynomials)
            let coefficients = try CKKSCoefficientEncoding(context: context), slots = try CKKSEncoder(context: context)
            let values = (0..<context.degree).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
            let p = try coefficients.encode(values[...], scale: context.parameters.scale)
            let ciphertext = context.encrypt(message: p.polynomial, scale: p.scale, publicKey: publicKey, rng: &rng)
            let polynomial = context.decryptToPolynomial(ciphertext, secretKey: secretKey)
            let reference = coefficients.decode(polynomial, scale: ciphertext.scale, count: context.degree)
            XCTAssertLessThan(zip(reference, values).map { abs($0 - Double($1)) }.max()!, 1e-6)
            XCTAssertEqual(coefficients.decrypt(ciphertext, secretKey: secretKey, count: 0), [])
            XCTAssertEqual(coefficients.decrypt(ciphertext, secretKey: secretKey, count: 3), Array(reference.prefix(3)))
            for key in [secretKey, bare] {
                XCTAssertEqual(coefficients.decrypt(ciphertext, secretKey: key, count: context.degree), reference)
                XCTAssertEqual(slots.decrypt(ciphertext, secretKey: key), slots.decode(polynomial, scale: ciphertext.scale))
            }
        }
    }
}
