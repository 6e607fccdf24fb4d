import Foundation
import Randomness

/// Errors of BFV encoding a caller can cause.
public enum BFVError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooManyValues(count: Int, slots: Int)
    case wrongScheme(HEScheme)

    public var description: String {
        switch self {
        case .tooManyValues(let count, let slots): return "\(count) values do not fit in \(slots) BFV slots"
        case .wrongScheme(let s): return "operation needs a BFV context, got \(s)"
        }
    }
}

/// BFV with batching: N slots of Z_t, t prime ≡ 1 (mod 2N), so Z_t[X]/(X^N + 1) splits into N
/// copies of Z_t through the negacyclic NTT mod t (Smart & Vercauteren 2014, "Fully homomorphic
/// SIMD operations"). Slot j is the evaluation at the j-th root in the NTT's (bit-reversed)
/// order; slot-wise products are polynomial products. Exact: decryption returns the values mod t.
public struct BFVEncoder: Sendable {
    public let context: HEContext
    let constants: BFVConstants

    /// - Throws: `BFVError.wrongScheme` for a CKKS context.
    public init(context: HEContext) throws {
        guard let constants = context.bfv else { throw BFVError.wrongScheme(context.parameters.scheme) }
        self.context = context
        self.constants = constants
    }

    public var slotCount: Int { context.degree }
    public var plaintextModulus: UInt64 { constants.plaintextModulus.value }

    /// The plaintext polynomial mod t (coefficient form) whose slots hold `values` mod t.
    /// - Throws: `BFVError.tooManyValues`.
    public func encodeCoefficients(_ values: [Int64]) throws -> [UInt64] {
        guard values.count <= slotCount else { throw BFVError.tooManyValues(count: values.count, slots: slotCount) }
        let t = constants.plaintextModulus
        var slots = [UInt64](repeating: 0, count: slotCount)
        for (j, v) in values.enumerated() { slots[j] = t.reduce(signed: v) }
        constants.plaintextNTT.inverse(&slots)
        return slots
    }

    /// The slot values, centred in (−t/2, t/2], of a plaintext polynomial mod t.
    public func decodeCoefficients(_ coefficients: [UInt64]) -> [Int64] {
        var slots = coefficients
        constants.plaintextNTT.forward(&slots)
        let t = constants.plaintextModulus.value
        return slots.map { $0 > t / 2 ? -Int64(t - $0) : Int64($0) }
    }

    /// ⌊Q·m/t⌉ over all ciphertext primes, coefficient form (the message term of an encryption),
    /// m the canonical plaintext in [0, t). Computed as Δ·m + ⌊r·m/t⌉ with Q = Δ·t + r: rounding
    /// Q·m/t rather than scaling by Δ = ⌊Q/t⌋ is what keeps wrap-arounds mod t from adding
    /// r·carry to the noise (`BFVNoise` has the derivation; issue 13).
    public func scaledMessage(_ values: [Int64]) throws -> RNSPolynomial {
        let m = try encodeCoefficients(values)
        let n = context.degree
        let t = constants.plaintextModulus.value, r = constants.modulusModT
        // ⌊r·m_j/t⌉ = ⌊(r·m_j + ⌊t/2⌋)/t⌋ (t odd, no ties); r, m_j < t keep the numerator below t²,
        // so the quotient is below t and the division's high word below t.
        let rounding = m.map { mj -> UInt64 in
            let p = r.multipliedFullWidth(by: mj)
            let (low, carry) = p.low.addingReportingOverflow(t / 2)
            return t.dividingFullWidth((p.high &+ (carry ? 1 : 0), low)).quotient
        }
        var p = RNSPolynomial(degree: n, limbCount: context.maximumLimbCount, isNTTForm: false)
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<p.limbCount {
                let q = context.moduli[i], delta = constants.deltaResidues[i], deltaShoup = q.shoup(delta)
                let row = buffer.baseAddress! + i * n
                for j in 0..<n { row[j] = q.add(q.multiplyShoup(q.reduce(m[j]), delta, deltaShoup), q.reduce(rounding[j])) }
            }
        }
        return p
    }

    /// Encrypts up to N integers (taken mod t) under `publicKey`.
    public func encrypt(_ values: [Int64], publicKey: PublicKey, rng: inout ChaCha20Generator) throws -> Ciphertext {
        context.encrypt(message: try scaledMessage(values), scale: 1, publicKey: publicKey, rng: &rng)
    }

    /// A plaintext for `multiply(_:byPlaintext:)`: m with centred coefficients lifted to every prime.
    public func plaintextForMultiplication(_ values: [Int64]) throws -> Plaintext {
        let m = try encodeCoefficients(values)
        let t = constants.plaintextModulus.value
        let centred = m.map { $0 > t / 2 ? -Int64(t - $0) : Int64($0) }
        let bound = Double(centred.map(\.magnitude).max() ?? 0)
        var p = context.polynomial(signedCoefficients: centred, limbCount: context.maximumLimbCount)
        context.forwardNTT(&p)
        return Plaintext(scheme: .bfv, polynomial: p, scale: 1, coefficientBound: bound)
    }

    /// Recovers m mod t from Δ·m + e (coefficient form, all primes): ⌊t·x/Q⌉ mod t, evaluated in
    /// RNS as Σ_i y_i · t/q_i with y_i = [x_i · (Q/q_i)^{−1}]_{q_i} (Halevi, Polyakov, Shoup 2019,
    /// section 2.3): each y_i·t/q_i is split into an integer quotient and a fraction, the
    /// quotients are summed mod t and the fractions in double precision. Exact when ‖e‖∞ < Δ/2 − 1
    /// (x = ⌊Q·m/t⌉ + e, so t·x/Q = m + t·(e + ε)/Q with |ε| ≤ 1/2).
    public func decodeNoisy(_ polynomial: RNSPolynomial) -> [Int64] {
        precondition(!polynomial.isNTTForm && polynomial.limbCount == context.maximumLimbCount)
        let n = context.degree, limbs = polynomial.limbCount
        let c = context.levelConstants[limbs - 1]
        let t = constants.plaintextModulus
        var m = [UInt64](repeating: 0, count: n)
        polynomial.residues.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            for j in 0..<n {
                var integer: UInt64 = 0
                var fraction = 0.0
                for i in 0..<limbs {
                    let q = c.moduli[i]
                    let y = q.multiplyShoup(base[i * n + j], c.qHatInverse[i], c.qHatInverseShoup[i])
                    let p = y.multipliedFullWidth(by: t.value)
                    let (quotient, remainder) = q.value.dividingFullWidth((p.high, p.low))
                    integer = t.add(integer, quotient)
                    fraction += Double(remainder) * c.inverseModuli[i]
                }
                m[j] = t.add(integer, t.reduce(UInt64(fraction.rounded())))
            }
        }
        return decodeCoefficients(m)
    }

    /// Decrypts with the whole secret key.
    public func decrypt(_ ciphertext: Ciphertext, secretKey: SecretKey) -> [Int64] {
        decodeNoisy(context.decryptToPolynomial(ciphertext, secretKey: secretKey))
    }

    /// The largest noise bound BFV decryption tolerates: Δ/2 with Δ = ⌊Q/t⌋.
    public var noiseTolerance: Double {
        let q = context.levelConstants[context.maximumLimbCount - 1]
        return pow(2, q.logQ - log2(Double(plaintextModulus))) / 2
    }
}
