/// CKKS-specific evaluation: rescaling and multiplication by real constants.
extension HEContext {
    /// Divides by the last prime q_ℓ and drops it (full-RNS rescale, Cheon, Han, Kim, Kim, Song
    /// 2018, section 3.3): c_i ← (c_i − [c_ℓ]_{q_i}) · q_ℓ^{−1} mod q_i with c_ℓ centred, which
    /// is ⌊c / q_ℓ⌉. The scale becomes Δ / q_ℓ; the noise e / q_ℓ plus the rounding term.
    /// - Throws: `HEEvaluationError.cannotRescale` at the last prime.
    public func rescale(_ ciphertext: Ciphertext) throws -> Ciphertext {
        guard ciphertext.limbCount > 1 else { throw HEEvaluationError.cannotRescale }
        var r = ciphertext
        let last = ciphertext.limbCount - 1
        rescalePolynomial(&r.c0)
        rescalePolynomial(&r.c1)
        let q = Double(moduli[last].value)
        r.scale = ciphertext.scale / q
        r.noiseBound = ciphertext.noiseBound / q + RLWENoise.rescaleRounding(degree: degree, secretKeyBound: ciphertext.secretKeyBound)
        return r
    }

    func rescalePolynomial(_ p: inout RNSPolynomial) {
        precondition(p.isNTTForm)
        let n = degree, last = p.limbCount - 1
        let lastModulus = moduli[last]
        var top = Array(p.residues[(last * n)..<((last + 1) * n)])
        nttTables[last].inverse(&top)
        var lifted = [UInt64](repeating: 0, count: n)
        let half = lastModulus.value / 2
        p.residues.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<last {
                let m = moduli[i]
                let qLast = m.reduce(lastModulus.value)
                for j in 0..<n {
                    let x = top[j]
                    // Centred c_ℓ mod q_i.
                    lifted[j] = x > half ? m.subtract(m.reduce(x), qLast) : m.reduce(x)
                }
                lifted.withUnsafeMutableBufferPointer { nttTables[i].forward($0.baseAddress!) }
                let inverse = m.inverse(qLast), inverseShoup = m.shoup(inverse)
                let row = buffer.baseAddress! + i * n
                for j in 0..<n {
                    row[j] = m.multiplyShoup(m.subtract(row[j], lifted[j]), inverse, inverseShoup)
                }
            }
        }
        p.dropLimbs(keeping: last)
    }

    /// ct · w for a real constant w, encoded as the integer ⌊w · scale⌉; the ciphertext's scale
    /// is multiplied by `scale` (default: the last prime q_ℓ, so that `rescale` afterwards
    /// restores the original scale exactly).
    public func multiply(_ ciphertext: Ciphertext, byReal w: Double, scale: Double? = nil) throws -> Ciphertext {
        guard parameters.scheme == .ckks else { throw CKKSError.wrongScheme(parameters.scheme) }
        let s = scale ?? Double(moduli[ciphertext.limbCount - 1].value)
        let c = (w * s).rounded()
        guard abs(c) < 0x1p62 else { throw CKKSError.valueTooLarge(c, limit: 0x1p62) }
        var r = multiply(ciphertext, byInteger: Int64(c))
        r.scale = ciphertext.scale * s
        return r
    }

    /// ct · w followed by a rescale: the scale is unchanged and one prime is consumed.
    public func multiplyAndRescale(_ ciphertext: Ciphertext, byReal w: Double) throws -> Ciphertext {
        try rescale(multiply(ciphertext, byReal: w))
    }
}
