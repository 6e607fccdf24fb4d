/// Constants of BFV (Fan & Vercauteren 2012) for one context: the plaintext prime t, its NTT
/// (for batching) and the RNS forms of Δ = ⌊Q/t⌋ and Q mod t.
struct BFVConstants: Sendable {
    let plaintextModulus: Modulus
    let plaintextNTT: NTTTables
    /// ⌊Q/t⌋ mod q_i.
    let deltaResidues: [UInt64]
    /// Q mod t, as a Double for noise bounds.
    let modulusModT: Double

    init(plaintextModulus t: Modulus, degree: Int, moduli: [Modulus]) {
        self.plaintextModulus = t
        self.plaintextNTT = NTTTables(degree: degree, modulus: t)
        let q = WideInteger.product(moduli.map(\.value))
        let (delta, remainder) = WideInteger.divide(q, by: t.value)
        self.deltaResidues = moduli.map { WideInteger.residue(delta, modulo: $0) }
        self.modulusModT = Double(remainder)
    }
}
