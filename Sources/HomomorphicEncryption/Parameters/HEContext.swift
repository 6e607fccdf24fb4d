import Foundation

/// Everything derived from one `HEParameters`: the primes, their NTT tables, the RNS constants
/// for decoding at every level and the scheme's encoder tables. Built once, immutable, shared.
public final class HEContext: Sendable {
    public let parameters: HEParameters
    public let degree: Int
    /// Ciphertext primes q_0 … q_L.
    public let moduli: [Modulus]
    /// Special primes (key switching, counted for security only).
    public let specialModuli: [Modulus]
    public let nttTables: [NTTTables]
    /// A 64-bit identifier of the parameter set (FNV-1a of its canonical description, primes
    /// included), written into every serialized object so mismatched blobs are refused.
    public let parameterID: UInt64
    /// CRT constants for the ciphertext modulus of each level (index = limb count − 1).
    let levelConstants: [RNSLevelConstants]
    /// BFV: the plaintext prime t, its NTT and the scaling constants; nil for CKKS.
    let bfv: BFVConstants?
    /// CKKS: the special-FFT tables; nil for BFV.
    let ckks: CKKSEncodingTables?

    /// Derives the primes (the largest NTT-friendly primes of each size, distinct, deterministic)
    /// and all tables. `HEParameters` has already been validated, and primes exist for every size it admits.
    public init(parameters: HEParameters) {
        self.parameters = parameters
        let n = parameters.ringDegree
        self.degree = n
        var used = Set<UInt64>()
        func primes(_ bits: [Int]) -> [Modulus] {
            var result: [Modulus] = []
            for b in bits {
                let p = PrimeGenerator.nttPrimes(bits: b, count: 1, ringDegree: n, excluding: used)[0]
                used.insert(p)
                result.append(Modulus(p))
            }
            return result
        }
        let moduli = primes(parameters.coefficientModulusBits)
        self.moduli = moduli
        self.specialModuli = primes(parameters.specialModulusBits)
        self.nttTables = moduli.map { NTTTables(degree: n, modulus: $0) }
        self.levelConstants = (1...moduli.count).map { RNSLevelConstants(moduli: Array(moduli.prefix($0)), degree: n) }
        if parameters.scheme == .bfv {
            let t = PrimeGenerator.nttPrimes(bits: parameters.plaintextModulusBits, count: 1, ringDegree: n, excluding: used)[0]
            self.bfv = BFVConstants(plaintextModulus: Modulus(t), degree: n, moduli: moduli)
            self.ckks = nil
        } else {
            self.bfv = nil
            self.ckks = CKKSEncodingTables(degree: n)
        }
        var hash = FNV1a()
        hash.combine(parameters.scheme == .ckks ? 1 : 2)
        hash.combine(UInt64(n))
        for m in moduli { hash.combine(m.value) }
        hash.combine(0xFFFF)
        for m in specialModuli { hash.combine(m.value) }
        hash.combine(bfv?.plaintextModulus.value ?? parameters.scale.bitPattern)
        self.parameterID = hash.value
    }

    /// The number of ciphertext primes at the top level.
    public var maximumLimbCount: Int { moduli.count }

    /// BFV plaintext prime t.
    public var plaintextModulus: UInt64? { bfv?.plaintextModulus.value }

    /// log2 of the ciphertext modulus with `limbs` primes.
    public func logModulus(limbs: Int) -> Double { levelConstants[limbs - 1].logQ }
}

/// A 64-bit FNV-1a hash (Fowler–Noll–Vo). An identifier for parameters and keys — not a MAC
/// and not collision resistant against an adversary.
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01B3
    }

    public mutating func combine(_ word: UInt64) {
        for i in 0..<8 { combine(byte: UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
    }

    public mutating func combine<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for b in bytes { combine(byte: b) }
    }
}

/// CRT constants for Q = q_0 ⋯ q_ℓ, used to lift a residue vector to a centred integer.
///
/// See `HEContext.liftCentred` for the lift these constants serve.
struct RNSLevelConstants: Sendable {
    let moduli: [Modulus]
    let qHatInverse: [UInt64]
    let qHatInverseShoup: [UInt64]
    let qHatLow192: [Word192]
    let modulusLow192: Word192
    let inverseModuli: [Double]
    let logQ: Double
    /// The centred lift of canonical rows.
    let lift: CRTLiftTable
    /// The centred lift of rows that hold N·x (an inverse NTT left unscaled, `NTTTables.inverseUnscaled`).
    let liftUnscaled: CRTLiftTable

    init(moduli: [Modulus], degree: Int) {
        self.moduli = moduli
        let values = moduli.map(\.value)
        var inv: [UInt64] = [], invShoup: [UInt64] = [], low192: [Word192] = []
        for (i, m) in moduli.enumerated() {
            var others = values
            others.remove(at: i)
            let qHat = WideInteger.product(others)
            let r = m.inverse(WideInteger.residue(qHat, modulo: m))
            inv.append(r)
            invShoup.append(m.shoup(r))
            low192.append(Word192(qHat))
        }
        self.qHatInverse = inv
        self.qHatInverseShoup = invShoup
        self.qHatLow192 = low192
        self.inverseModuli = values.map { 1.0 / Double($0) }
        let q = WideInteger.product(values)
        self.modulusLow192 = Word192(q)
        self.logQ = values.reduce(0.0) { $0 + log2(Double($1)) }
        self.lift = CRTLiftTable(moduli: moduli, prescaleInverse: moduli.map { _ in 1 })
        self.liftUnscaled = CRTLiftTable(moduli: moduli, prescaleInverse: moduli.map { $0.inverse(UInt64(degree) % $0.value) })
    }
}
