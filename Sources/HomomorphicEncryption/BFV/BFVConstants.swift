/// Constants of BFV (Fan & Vercauteren 2012) for one context: the plaintext prime t, its NTT
/// (for batching), the RNS form of Δ = ⌊Q/t⌋ and r = Q mod t, so that Q/t = Δ + r/t.
struct BFVConstants: Sendable {
    let plaintextModulus: Modulus
    let plaintextNTT: NTTTables
    /// ⌊Q/t⌋ mod q_i.
    let deltaResidues: [UInt64]
    /// r = Q mod t (< t): the encoding ⌊Q·m/t⌉ is Δ·m + ⌊r·m/t⌉.
    let modulusModT: UInt64

    init(plaintextModulus t: Modulus, degree: Int, moduli: [Modulus]) {
        self.plaintextModulus = t
        self.plaintextNTT = NTTTables(degree: degree, modulus: t)
        let q = WideInteger.product(moduli.map(\.value))
        let (delta, remainder) = WideInteger.divide(q, by: t.value)
        self.deltaResidues = moduli.map { WideInteger.residue(delta, modulo: $0) }
        self.modulusModT = remainder
    }
}
