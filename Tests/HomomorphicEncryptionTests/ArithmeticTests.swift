import XCTest
import Randomness
@testable import HomomorphicEncryption

final class ArithmeticTests: XCTestCase {
    func testMillerRabinAgreesWithTrialDivision() {
        func trial(_ n: UInt64) -> Bool {
            if n < 2 { return false }
            var d: UInt64 = 2
            while d * d <= n { if n % d == 0 { return false }; d += 1 }
            return true
        }
        for n in UInt64(0)..<5000 { XCTAssertEqual(PrimeGenerator.isPrime(n), trial(n), "n = \(n)") }
        // Strong pseudoprimes to several small bases and known 64-bit primes.
        XCTAssertFalse(PrimeGenerator.isPrime(3_215_031_751))
        XCTAssertFalse(PrimeGenerator.isPrime(3_825_123_056_546_413_051))
        XCTAssertTrue(PrimeGenerator.isPrime(18_446_744_073_709_551_557))  // largest 64-bit prime
        XCTAssertTrue(PrimeGenerator.isPrime(1_152_921_504_606_846_883))  // 2^60 − 93
    }

    func testGeneratedPrimesAreNTTFriendly() {
        for n in [4096, 8192, 16384, 32768] {
            let primes = PrimeGenerator.nttPrimes(bits: 60, count: 3, ringDegree: n)
            XCTAssertEqual(Set(primes).count, 3)
            for p in primes {
                XCTAssertTrue(PrimeGenerator.isPrime(p))
                XCTAssertEqual(p % UInt64(2 * n), 1)
                XCTAssertEqual(64 - p.leadingZeroBitCount, 60)
            }
        }
    }

    func testModularMultiplicationMatchesWideDivision() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 7, count: 32))
        for bits in [20, 40, 60, 61] {
            let q = PrimeGenerator.nttPrimes(bits: bits, count: 1, ringDegree: 16)[0]
            let m = Modulus(q)
            for _ in 0..<2000 {
                let a = rng.nextBelow(q), b = rng.nextBelow(q), x = rng.next()
                let p = a.multipliedFullWidth(by: b)
                let expected = q.dividingFullWidth((p.high, p.low)).remainder
                XCTAssertEqual(m.multiply(a, b), expected)
                XCTAssertEqual(m.multiplyShoup(x, b, m.shoup(b)), q.dividingFullWidth(x.multipliedFullWidth(by: b)).remainder)
                XCTAssertEqual(m.reduce(x), x % q)
                let h = rng.next()
                XCTAssertEqual(m.reduce(wideHigh: h, low: x), UInt64((UInt128(h) << 64 | UInt128(x)) % UInt128(q)))
            }
        }
    }

    /// The O(N²) negacyclic product: X^N = −1.
    static func schoolbook(_ a: [UInt64], _ b: [UInt64], _ m: Modulus) -> [UInt64] {
        let n = a.count
        var c = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<n {
                let p = m.multiply(a[i], b[j])
                if i + j < n { c[i + j] = m.add(c[i + j], p) } else { c[i + j - n] = m.subtract(c[i + j - n], p) }
            }
        }
        return c
    }

    static func nttProduct(_ a: [UInt64], _ b: [UInt64], _ tables: NTTTables) -> [UInt64] {
        var x = a, y = b
        tables.forward(&x)
        tables.forward(&y)
        for i in 0..<x.count { x[i] = tables.modulus.multiply(x[i], y[i]) }
        tables.inverse(&x)
        return x
    }

    func testNTTMatchesSchoolbookNegacyclicProduct() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 1, count: 32))
        for n in [16, 32, 64, 128, 256, 512, 1024] {
            for bits in [30, 50, 60] {
                let m = Modulus(PrimeGenerator.nttPrimes(bits: bits, count: 1, ringDegree: n)[0])
                let tables = NTTTables(degree: n, modulus: m)
                let a = (0..<n).map { _ in rng.nextBelow(m.value) }, b = (0..<n).map { _ in rng.nextBelow(m.value) }
                XCTAssertEqual(Self.nttProduct(a, b, tables), Self.schoolbook(a, b, m), "N = \(n), \(bits) bits")
            }
        }
    }

    func testNTTProductWithMonomialRotatesNegacyclicallyAtLargeDegrees() {
        var rng = ChaCha20Generator(key: [UInt8](repeating: 2, count: 32))
        for n in [4096, 8192, 16384, 32768] {
            let m = Modulus(PrimeGenerator.nttPrimes(bits: 60, count: 1, ringDegree: n)[0])
            let tables = NTTTables(degree: n, modulus: m)
            let a = (0..<n).map { _ in rng.nextBelow(m.value) }
            let k = Int(rng.nextBelow(UInt64(n)))
            let c = m.value - 1 - rng.nextBelow(1000)  // a "negative" constant
            var monomial = [UInt64](repeating: 0, count: n)
            monomial[k] = c
            let product = Self.nttProduct(a, monomial, tables)
            // a · c X^k: coefficient i+k gets c·a_i, wrapping with a sign flip.
            var expected = [UInt64](repeating: 0, count: n)
            for i in 0..<n {
                let v = m.multiply(a[i], c)
                if i + k < n { expected[i + k] = v } else { expected[i + k - n] = m.negate(v) }
            }
            XCTAssertEqual(product, expected, "N = \(n)")
            // And the transform round-trips.
            var x = a
            tables.forward(&x)
            tables.inverse(&x)
            XCTAssertEqual(x, a)
        }
    }

    func testWideIntegerDivisionAndResidues() {
        let primes: [UInt64] = [1_152_921_504_606_846_883, 1_099_511_627_689, 1_099_511_627_791]
        let q = WideInteger.product(primes)
        let t: UInt64 = 1_099_511_922_689
        let (quotient, remainder) = WideInteger.divide(q, by: t)
        // quotient · t + remainder == q
        var back = WideInteger.multiply(quotient, by: t)
        var carry = remainder
        for i in 0..<back.count where carry != 0 {
            let (s, o) = back[i].addingReportingOverflow(carry)
            back[i] = s
            carry = o ? 1 : 0
        }
        XCTAssertEqual(back, q)
        for p in primes { XCTAssertEqual(WideInteger.residue(q, modulo: Modulus(p)), 0) }
    }
}
