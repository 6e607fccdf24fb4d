/// Primality testing and generation of NTT-friendly primes.
public enum PrimeGenerator {
    /// Deterministic Miller–Rabin for every 64-bit n: the first twelve primes as bases are a
    /// witness set for all n < 3.3 · 10^24 (Sorenson & Webster 2015), which covers 2^64.
    public static func isPrime(_ n: UInt64) -> Bool {
        if n < 2 { return false }
        let small: [UInt64] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
        for p in small {
            if n == p { return true }
            if n % p == 0 { return false }
        }
        var d = n - 1
        var r = 0
        while d & 1 == 0 { d >>= 1; r += 1 }
        func mulmod(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let p = a.multipliedFullWidth(by: b)
            return n.dividingFullWidth((p.high, p.low)).remainder
        }
        func powmod(_ a: UInt64, _ e: UInt64) -> UInt64 {
            var result: UInt64 = 1, base = a % n, e = e
            while e > 0 {
                if e & 1 == 1 { result = mulmod(result, base) }
                base = mulmod(base, base)
                e >>= 1
            }
            return result
        }
        witness: for a in small {
            var x = powmod(a, d)
            if x == 1 || x == n - 1 { continue }
            for _ in 0..<max(r - 1, 0) {
                x = mulmod(x, x)
                if x == n - 1 { continue witness }
            }
            return false
        }
        return true
    }

    /// The `count` largest primes q < 2^bits with q ≡ 1 (mod 2N), excluding `excluding`,
    /// in descending order. Such primes have a primitive 2N-th root of unity, which the
    /// negacyclic NTT of degree N needs (Longa & Naehrig 2016, section 2).
    /// - Precondition: enough primes exist in [2^(bits−1), 2^bits).
    public static func nttPrimes(bits: Int, count: Int, ringDegree: Int, excluding: Set<UInt64> = []) -> [UInt64] {
        precondition(bits >= 10 && bits <= 61, "prime size must be 10...61 bits")
        let step = UInt64(2 * ringDegree)
        var candidate = ((UInt64(1) << bits) - 1) / step * step + 1
        if candidate >= UInt64(1) << bits { candidate -= step }
        var result: [UInt64] = []
        while result.count < count {
            precondition(candidate > UInt64(1) << (bits - 1), "not enough \(bits)-bit NTT primes for N = \(ringDegree)")
            if !excluding.contains(candidate) && isPrime(candidate) { result.append(candidate) }
            candidate -= step
        }
        return result
    }

    /// The smallest primitive 2N-th root of unity ψ mod q (ψ^N ≡ −1), found deterministically
    /// as g^((q−1)/2N) for g = 2, 3, …; the smallest such power is taken so the choice is canonical.
    public static func minimalPrimitiveRoot(order twoN: UInt64, modulus: Modulus) -> UInt64 {
        let q = modulus.value
        precondition((q - 1) % twoN == 0, "q ≢ 1 mod 2N")
        var g: UInt64 = 2
        var root: UInt64 = 0
        while true {
            let candidate = modulus.power(g, (q - 1) / twoN)
            if modulus.power(candidate, twoN / 2) == q - 1 { root = candidate; break }
            g += 1
        }
        // All primitive 2N-th roots are root^k for odd k; take the smallest value.
        let rootSquared = modulus.multiply(root, root)
        var best = root, current = root
        for _ in 0..<(twoN / 2) {
            current = modulus.multiply(current, rootSquared)
            if current < best { best = current }
        }
        return best
    }
}
