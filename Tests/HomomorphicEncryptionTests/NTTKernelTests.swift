import XCTest
import Randomness
@testable import HomomorphicEncryption

/// The kernels behind decryption checked against independent references: the lazy inverse
/// transforms (integer and double precision) against the schoolbook negacyclic product, the
/// Shoup products against Barrett's at the edges, and the CRT lift against wide division.
final class NTTKernelTests: XCTestCase {
    /// N·(a·b) by the naive product, for comparing with the unscaled inverse transforms.
    static func scaledSchoolbook(_ a: [UInt64], _ b: [UInt64], _ m: Modulus) -> [UInt64] {
        let n = UInt64(a.count) % m.value
        return ArithmeticTests.schoolbook(a, b, m).map { m.multiply($0, n) }
    }

    /// Forward transforms of a and b, their pointwise product lazily in [0, 2q) (as decryption
    /// leaves it), then `inverse` on it.
    static func lazyProduct(_ a: [UInt64], _ b: [UInt64], _ tables: NTTTables,
                            _ inverse: (NTTTables, UnsafeMutablePointer<UInt64>) -> Void) -> [UInt64] {
        var x = a, y = b
        tables.forward(&x)
        tables.forward(&y)
        let m = tables.modulus
        // x·y + q where that stays below 2q: inputs at both ends of the admitted range.
        for i in 0..<x.count {
            let p = m.multiply(x[i], y[i])
            x[i] = i % 2 == 0 ? p : p &+ (p < m.value ? m.value : 0)
        }
        x.withUnsafeMutableBufferPointer { inverse(tables, $0.baseAddress!) }
        return x
    }

    func testUnscaledInverseTransformsMatchTheSchoolbookProduct() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 21, count: 32))
        for n in [16, 32, 64, 256, 1024] {
            for bits in [30, 40, 49, 50, 60] {
                let m = Modulus(PrimeGenerator.nttPrimes(bits: bits, count: 1, ringDegree: n)[0])
                let tables = NTTTables(degree: n, modulus: m)
                XCTAssertEqual(tables.floating != nil, bits <= 50)
                let a = (0..<n).map { _ in rng.nextBelow(m.value) }, b = (0..<n).map { _ in rng.nextBelow(m.value) }
                let expected = Self.scaledSchoolbook(a, b, m)
                for (name, inverse) in [("integer", { (t: NTTTables, p: UnsafeMutablePointer<UInt64>) in t.inverseUnscaledInteger(p) }),
                                        ("dispatched", { (t: NTTTables, p: UnsafeMutablePointer<UInt64>) in t.inverseUnscaled(p) })] {
                    let out = Self.lazyProduct(a, b, tables, inverse)
                    XCTAssertTrue(out.allSatisfy { $0 < 2 * m.value }, "\(name) N = \(n), \(bits) bits: output beyond [0, 2q)")
                    XCTAssertEqual(out.map { $0 % m.value }, expected, "\(name) N = \(n), \(bits) bits")
                }
                // The scaled inverses (last stage merged with N^−1): canonical a·b, both kernels.
                let plain = ArithmeticTests.schoolbook(a, b, m)
                XCTAssertEqual(Self.lazyProduct(a, b, tables) { $0.inverseInteger($1) }, plain, "integer scaled, N = \(n), \(bits) bits")
                XCTAssertEqual(Self.lazyProduct(a, b, tables) { $0.inverse($1) }, plain, "dispatched scaled, N = \(n), \(bits) bits")
                // And the scaled inverse inverts the forward transform exactly.
                var x = a
                tables.forward(&x)
                tables.inverse(&x)
                XCTAssertEqual(x, a, "N = \(n), \(bits) bits")
            }
        }
    }

    /// Inputs at the top of [0, 2q) and twiddle-sized extremes: the double-precision butterflies
    /// meet their worst cases (x·w/q close to an integer, x near 4q inside the stages).
    func testDoublePrecisionInverseAgreesWithIntegerOnExtremeInputs() {
        for n in [16, 8192] {
            for bits in [40, 50] {
                let m = Modulus(PrimeGenerator.nttPrimes(bits: bits, count: 1, ringDegree: n)[0])
                let tables = NTTTables(degree: n, modulus: m)
                let q = m.value
                for pattern: (Int) -> UInt64 in [{ _ in 2 * q - 1 }, { _ in 0 }, { $0 % 2 == 0 ? 2 * q - 1 : 0 },
                                                 { $0 % 3 == 0 ? q - 1 : q }, { UInt64($0 * 7919) % (2 * q) }] {
                    let input = (0..<n).map(pattern)
                    var integer = input, floating = input
                    integer.withUnsafeMutableBufferPointer { tables.inverseUnscaledInteger($0.baseAddress!) }
                    floating.withUnsafeMutableBufferPointer { tables.inverseUnscaled($0.baseAddress!) }
                    XCTAssertTrue(floating.allSatisfy { $0 < 2 * q })
                    XCTAssertEqual(floating.map { $0 % q }, integer.map { $0 % q }, "N = \(n), \(bits) bits")
                    var scaledInteger = input, scaledFloating = input
                    scaledInteger.withUnsafeMutableBufferPointer { tables.inverseInteger($0.baseAddress!) }
                    scaledFloating.withUnsafeMutableBufferPointer { tables.inverse($0.baseAddress!) }
                    XCTAssertEqual(scaledFloating, scaledInteger, "scaled, N = \(n), \(bits) bits")
                    XCTAssertTrue(scaledFloating.allSatisfy { $0 < q })
                }
            }
        }
    }

    func testShoupProductsMatchBarrettAtTheEdges() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 22, count: 32))
        for bits in [30, 40, 50, 60, 61] {
            let m = Modulus(PrimeGenerator.nttPrimes(bits: bits, count: 1, ringDegree: 16)[0])
            let q = m.value
            let edges: [UInt64] = [0, 1, 2, q / 2, q - 2, q - 1]
            let inputs = edges + [q, q + 1, 2 * q - 1, 4 * q - 1, UInt64.max] + (0..<200).map { _ in rng.next() }
            for w in edges + (0..<50).map({ _ in rng.nextBelow(q) }) {
                let ws = m.shoup(w)
                XCTAssertEqual(ws, UInt64((UInt128(w) << 64) / UInt128(q)))
                for x in inputs {
                    let expected = UInt64(UInt128(x) * UInt128(w) % UInt128(q))
                    let lazy = m.multiplyShoupLazy(x, w, ws)
                    XCTAssertLessThan(lazy, 2 * q)
                    XCTAssertEqual(lazy % q, expected, "x = \(x), w = \(w), q = \(q)")
                    XCTAssertEqual(m.multiplyShoup(x, w, ws), expected)
                    if x < q { XCTAssertEqual(m.multiplyShoup(x, w, ws), m.multiply(x, w)) }
                }
            }
        }
    }

    /// The branch-free addition and subtraction against wide arithmetic, at 0, 1, q − 1 and at random.
    func testModularAddAndSubtractAtTheEdges() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 23, count: 32))
        for bits in [20, 40, 50, 60, 61] {
            let m = Modulus(PrimeGenerator.nttPrimes(bits: bits, count: 1, ringDegree: 16)[0])
            let q = m.value
            let values: [UInt64] = [0, 1, 2, q / 2, q - 2, q - 1] + (0..<40).map { _ in rng.nextBelow(q) }
            for a in values {
                for b in values {
                    XCTAssertEqual(m.add(a, b), UInt64((UInt128(a) + UInt128(b)) % UInt128(q)), "\(a) + \(b) mod \(q)")
                    XCTAssertEqual(m.subtract(a, b), UInt64((UInt128(a) + UInt128(q) - UInt128(b)) % UInt128(q)), "\(a) − \(b) mod \(q)")
                }
                XCTAssertEqual(m.negate(a), a == 0 ? 0 : q - a)
            }
        }
    }
}
