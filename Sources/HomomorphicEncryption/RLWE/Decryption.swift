/// Decryption with the whole secret key: c0 + c1·s_j (j the ciphertext's `keyIndex`), shared
/// by CKKS and BFV.
///
/// The product uses the Shoup companions of s_j (`SecretKey.companions`) and leaves each
/// residue in [0, 2q), which the lazy inverse NTT accepts as it is (Harvey 2014, section 4). The
/// CKKS decoders go one step further (`withDecryptedRows`): they leave the inverse NTT unscaled
/// and fold N^{−1} into the constants of the CRT lift, so the decrypted polynomial is never
/// reduced or scaled on its own.
extension HEContext {
    /// c0 + c1·s_j over the first `limbs` primes, in coefficient form: Δ·m + e.
    public func decryptToPolynomial(_ ciphertext: Ciphertext, secretKey: SecretKey, limbs: Int? = nil) -> RNSPolynomial {
        let limbs = checkDecryption(ciphertext, secretKey: secretKey, limbs: limbs)
        var m = RNSPolynomial(uninitializedDegree: degree, limbCount: limbs, isNTTForm: true)
        m.residues.withUnsafeMutableBufferPointer { out in
            decryptionProduct(ciphertext, secretKey: secretKey, limbs: limbs, into: out.baseAddress!)
            for i in 0..<limbs { nttTables[i].inverse(out.baseAddress! + i * degree) }
        }
        m.isNTTForm = false
        return m
    }

    /// Runs `body` with the rows (limb-major, N residues each, in [0, 2q_i)) of N·(c0 + c1·s_j)
    /// over the first `limbs` primes, in coefficient form: the decryption with its inverse NTT
    /// left unscaled (`NTTTables.inverseUnscaled`), for `CRTLiftTable`s that fold N^{−1} in
    /// (`RNSLevelConstants.liftUnscaled`). The rows live in one scratch buffer for the call.
    func withDecryptedRows<R>(_ ciphertext: Ciphertext, secretKey: SecretKey, limbs: Int?,
                              _ body: (UnsafePointer<UInt64>, _ limbs: Int) -> R) -> R {
        let limbs = checkDecryption(ciphertext, secretKey: secretKey, limbs: limbs)
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: limbs * degree) { scratch in
            let rows = scratch.baseAddress!
            decryptionProduct(ciphertext, secretKey: secretKey, limbs: limbs, into: rows)
            for i in 0..<limbs { nttTables[i].inverseUnscaled(rows + i * degree) }
            return body(UnsafePointer(rows), limbs)
        }
    }

    /// The limbs to decrypt over, after checking that key and ciphertext belong together.
    private func checkDecryption(_ ciphertext: Ciphertext, secretKey: SecretKey, limbs: Int?) -> Int {
        precondition(secretKey.parameterID == parameterID && ciphertext.parameterID == parameterID,
                     "ciphertext or key belongs to other parameters")
        precondition(ciphertext.keyIndex < secretKey.secretCount, "ciphertext of secret \(ciphertext.keyIndex), key of \(secretKey.secretCount)")
        let limbs = limbs ?? ciphertext.limbCount
        precondition(limbs >= 1 && limbs <= ciphertext.limbCount && ciphertext.c0.isNTTForm && ciphertext.c1.isNTTForm)
        return limbs
    }

    /// out = c0 + c1·s_j on the first `limbs` rows (NTT form), each residue in [0, 2q).
    private func decryptionProduct(_ ciphertext: Ciphertext, secretKey: SecretKey, limbs: Int, into out: UnsafeMutablePointer<UInt64>) {
        let j = ciphertext.keyIndex, n = degree
        let companions = secretKey.companions?[j] ?? shoupCompanions(secretKey.polynomials[j], limbs: limbs)
        ciphertext.c0.residues.withUnsafeBufferPointer { c0 in
            ciphertext.c1.residues.withUnsafeBufferPointer { c1 in
                secretKey.polynomials[j].residues.withUnsafeBufferPointer { s in
                    companions.withUnsafeBufferPointer { sShoup in
                        for i in 0..<limbs {
                            let m = moduli[i], twoQ = 2 &* m.value, offset = i * n
                            let a = c0.baseAddress! + offset, b = c1.baseAddress! + offset
                            let w = s.baseAddress! + offset, ws = sShoup.baseAddress! + offset, z = out + offset
                            for k in 0..<n {
                                // [0, q) + [0, 2q) = [0, 3q); one conditional subtraction of 2q gives [0, 2q).
                                let r = a[k] &+ m.multiplyShoupLazy(b[k], w[k], ws[k])
                                z[k] = Swift.min(r, r &- twoQ)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The Shoup companions ⌊w·2^64/q_i⌋ of the residues of `p` (NTT or coefficient form), row i
    /// modulo q_i, over its first `limbs` rows (all by default).
    func shoupCompanions(_ p: RNSPolynomial, limbs: Int? = nil) -> [UInt64] {
        let limbs = limbs ?? p.limbCount, n = degree
        return [UInt64](unsafeUninitializedCapacity: limbs * n) { out, initialized in
            p.residues.withUnsafeBufferPointer { w in
                for i in 0..<limbs {
                    let m = moduli[i]
                    for k in 0..<n { out[i * n + k] = m.shoup(w[i * n + k]) }
                }
            }
            initialized = limbs * n
        }
    }
}
