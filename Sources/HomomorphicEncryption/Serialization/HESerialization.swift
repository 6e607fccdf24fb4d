/// Errors of decoding serialized objects: every malformed, truncated or mismatched blob ends here.
public enum HESerializationError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(needed: Int, available: Int)
    case badMagic
    case unsupportedVersion(UInt8)
    case wrongKind(expected: UInt8, found: UInt8)
    case parameterMismatch(expected: UInt64, found: UInt64)
    case invalidField(String)
    case coefficientOutOfRange(limb: Int, index: Int)
    case trailingBytes(Int)
    /// A compact form with fewer bits than the receiver's layout: its rounding error would exceed
    /// what the smudging and the precision were sized for.
    case overCompressed(field: String, width: Int, minimum: Int)

    public var description: String {
        switch self {
        case .truncated(let needed, let available): return "blob truncated: needs \(needed) bytes, has \(available)"
        case .badMagic: return "not a privfed HE blob (bad magic)"
        case .unsupportedVersion(let v):
            return "unsupported HE blob version \(v) (this build reads version \(HESerialization.version) full forms "
                + "and version \(HESerialization.compactVersion) compact forms, each for its own kinds)"
        case .wrongKind(let e, let f): return "blob holds object kind \(f), expected \(e)"
        case .parameterMismatch(let e, let f):
            return "blob was made for parameter set \(String(f, radix: 16)), this context is \(String(e, radix: 16))"
        case .invalidField(let s): return "invalid field: \(s)"
        case .coefficientOutOfRange(let limb, let index): return "coefficient \(index) of limb \(limb) is not reduced"
        case .trailingBytes(let n): return "\(n) unexpected bytes after the object"
        case .overCompressed(let field, let width, let minimum):
            return "\(field) compressed to \(width) bits, but this aggregation needs at least \(minimum) bits"
        }
    }
}

/// Compact binary encoding of public keys, key shares, ciphertexts and decryption shares.
///
/// Layout (little-endian): magic "PFHE", version (1 byte), kind (1 byte), parameter id (8 bytes),
/// a kind-specific header, then each polynomial limb by limb with every residue packed in
/// ⌈log2 q_i⌉ bits (a 40-bit prime costs 5 bytes per coefficient, not 8).
public enum HESerialization {
    public static let version: UInt8 = 1
    /// The version of the compact forms (kinds 7–10): top bits of each coefficient, `CompactWire`.
    /// Version 3 groups ciphertexts that share c1 under a multi-secret key.
    public static let compactVersion: UInt8 = 3
    static let magic: [UInt8] = Array("PFHE".utf8)
    static let commonHeader = 4 + 1 + 1 + 8

    enum Kind: UInt8 {
        case publicKey = 1, ciphertext = 2, decryptionShare = 3, publicKeyShare = 4, keyFragment = 5, holderDecryptionShare = 6
        /// Compact forms (`CompactWire`), written with `compactVersion`.
        case compactCiphertext = 7, compactDecryptionShare = 8, compactHolderDecryptionShare = 9
        /// What a decrypting party downloads of an aggregate: its rounded c1 (`CompactWire`).
        case compactDownload = 10
        /// Full forms of the key material of a k-secret key (`SecretKey`, k > 1): k in one byte
        /// after the kind's fields, then k polynomials p0_j (a one-secret key keeps kinds 1 and 4).
        case multiSecretPublicKey = 11, multiSecretPublicKeyShare = 12
    }

    static func polynomialByteCount(context: HEContext, limbs: Int) -> Int {
        (0..<limbs).reduce(0) { $0 + (context.degree * context.moduli[$1].bitWidth + 7) / 8 }
    }

    /// Bytes of a serialized ciphertext with `limbs` primes.
    public static func ciphertextByteCount(context: HEContext, limbs: Int) -> Int {
        commonHeader + 1 + 1 + 8 + 8 + 4 + 2 * polynomialByteCount(context: context, limbs: limbs)
    }

    /// Bytes of `ciphertext` once serialized, computed without serializing.
    public static func byteCount(of ciphertext: Ciphertext, context: HEContext) -> Int {
        ciphertextByteCount(context: context, limbs: ciphertext.limbCount)
    }

    // MARK: Ciphertexts

    public static func serialize(_ c: Ciphertext, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(.ciphertext, context.parameterID)
        w.byte(c.scheme == .ckks ? 1 : 2)
        w.byte(UInt8(c.limbCount))
        w.word(c.scale.bitPattern)
        w.word(c.noiseBound.bitPattern)
        w.u32(UInt32(c.secretKeyBound))
        w.polynomial(c.c0, context)
        w.polynomial(c.c1, context)
        return w.bytes
    }

    /// - Throws: `HESerializationError` for anything but a well-formed ciphertext of `context`.
    public static func deserializeCiphertext(_ bytes: [UInt8], context: HEContext) throws -> Ciphertext {
        var r = ByteReader(bytes)
        try r.header(.ciphertext, context.parameterID)
        let schemeByte = try r.byte()
        guard schemeByte == (context.parameters.scheme == .ckks ? 1 : 2) else { throw HESerializationError.invalidField("scheme \(schemeByte)") }
        let limbs = Int(try r.byte())
        guard (1...context.maximumLimbCount).contains(limbs) else { throw HESerializationError.invalidField("limb count \(limbs)") }
        let scale = Double(bitPattern: try r.word()), noise = Double(bitPattern: try r.word())
        guard scale.isFinite, scale > 0, noise.isFinite, noise >= 0 else { throw HESerializationError.invalidField("scale or noise bound") }
        let keyBound = Int(try r.u32())
        guard keyBound >= 1 && keyBound <= 1 << 20 else { throw HESerializationError.invalidField("key bound \(keyBound)") }
        let c0 = try r.polynomial(context, limbs: limbs), c1 = try r.polynomial(context, limbs: limbs)
        try r.end()
        return Ciphertext(scheme: context.parameters.scheme, parameterID: context.parameterID, c0: c0, c1: c1,
                          scale: scale, noiseBound: noise, secretKeyBound: keyBound)
    }

    // MARK: Public keys

    /// Kind 1 (one secret): parties, epoch, p0, p1. Kind 11 (k > 1 secrets): parties, epoch, k,
    /// p0_0 … p0_{k−1}, p1.
    public static func serialize(_ k: PublicKey, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(k.secretCount > 1 ? .multiSecretPublicKey : .publicKey, context.parameterID)
        w.u32(UInt32(k.parties))
        w.word(k.epoch)
        if k.secretCount > 1 { w.byte(UInt8(k.secretCount)) }
        for p in k.p0s { w.polynomial(p, context) }
        w.polynomial(k.p1, context)
        return w.bytes
    }

    public static func deserializePublicKey(_ bytes: [UInt8], context: HEContext) throws -> PublicKey {
        var r = ByteReader(bytes)
        let multi = try r.header(either: .publicKey, or: .multiSecretPublicKey, context.parameterID)
        let parties = Int(try r.u32())
        guard parties >= 1 && parties <= 1 << 20 else { throw HESerializationError.invalidField("parties \(parties)") }
        let epoch = try r.word()
        let secrets = multi ? try readSecretCount(&r) : 1
        let p0s = try (0..<secrets).map { _ in try r.polynomial(context, limbs: context.maximumLimbCount) }
        let p1 = try r.polynomial(context, limbs: context.maximumLimbCount)
        try r.end()
        return PublicKey(parameterID: context.parameterID, p0s: p0s, p1: p1, parties: parties, epoch: epoch)
    }

    /// k of a multi-secret form: 2 ≤ k ≤ `HEContext.maximumSecretsPerKey` (one secret has its own kinds).
    static func readSecretCount(_ r: inout ByteReader) throws -> Int {
        let k = Int(try r.byte())
        guard (2...HEContext.maximumSecretsPerKey).contains(k) else { throw HESerializationError.invalidField("\(k) secrets per key") }
        return k
    }

    // MARK: Shares

    /// Kind 4 (one secret): parties, the polynomial. Kind 12 (k > 1): parties, k, k polynomials.
    public static func serialize(_ s: PublicKeyShare, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(s.polynomials.count > 1 ? .multiSecretPublicKeyShare : .publicKeyShare, context.parameterID)
        w.u32(UInt32(s.parties))
        if s.polynomials.count > 1 { w.byte(UInt8(s.polynomials.count)) }
        for p in s.polynomials { w.polynomial(p, context) }
        return w.bytes
    }

    public static func deserializePublicKeyShare(_ bytes: [UInt8], context: HEContext) throws -> PublicKeyShare {
        var r = ByteReader(bytes)
        let multi = try r.header(either: .publicKeyShare, or: .multiSecretPublicKeyShare, context.parameterID)
        let parties = Int(try r.u32())
        guard parties >= 1 && parties <= 1 << 20 else { throw HESerializationError.invalidField("parties \(parties)") }
        let secrets = multi ? try readSecretCount(&r) : 1
        let p = try (0..<secrets).map { _ in try r.polynomial(context, limbs: context.maximumLimbCount) }
        try r.end()
        return PublicKeyShare(parameterID: context.parameterID, polynomials: p, parties: parties)
    }

    public static func serialize(_ s: DecryptionShare, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(.decryptionShare, context.parameterID)
        w.word(s.ciphertextID)
        w.u32(UInt32(s.parties))
        w.byte(UInt8(s.smudgingBits))
        w.byte(UInt8(s.polynomial.limbCount))
        w.polynomial(s.polynomial, context)
        return w.bytes
    }

    public static func deserializeDecryptionShare(_ bytes: [UInt8], context: HEContext) throws -> DecryptionShare {
        var r = ByteReader(bytes)
        try r.header(.decryptionShare, context.parameterID)
        let (id, parties, bits, limbs) = try shareFields(&r, context: context)
        let p = try r.polynomial(context, limbs: limbs)
        try r.end()
        return DecryptionShare(parameterID: context.parameterID, ciphertextID: id, polynomial: p, parties: parties, smudgingBits: bits)
    }

    /// The fields every decryption share starts with, checked: ciphertext id, parties, smudging
    /// bits, limb count (full and compact forms alike).
    static func shareFields(_ r: inout ByteReader, context: HEContext) throws -> (id: UInt64, parties: Int, bits: Int, limbs: Int) {
        let id = try r.word()
        let parties = Int(try r.u32())
        guard parties >= 1 && parties <= 1 << 20 else { throw HESerializationError.invalidField("parties \(parties)") }
        let bits = Int(try r.byte())
        guard (1...RLWESampling.maximumWideBits).contains(bits) else { throw HESerializationError.invalidField("smudging bits \(bits)") }
        let limbs = Int(try r.byte())
        guard (1...context.maximumLimbCount).contains(limbs) else { throw HESerializationError.invalidField("limb count \(limbs)") }
        return (id, parties, bits, limbs)
    }

    /// Bytes of a serialized decryption share with `limbs` primes.
    public static func decryptionShareByteCount(context: HEContext, limbs: Int) -> Int {
        commonHeader + 8 + 4 + 1 + 1 + polynomialByteCount(context: context, limbs: limbs)
    }

    /// Bytes of a serialized public key of `secrets` secrets.
    public static func publicKeyByteCount(context: HEContext, secrets: Int = 1) -> Int {
        commonHeader + 4 + 8 + (secrets > 1 ? 1 : 0) + (secrets + 1) * polynomialByteCount(context: context, limbs: context.maximumLimbCount)
    }
}
