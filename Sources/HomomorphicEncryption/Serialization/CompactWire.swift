/// The compact wire forms of a threshold aggregation (format version 3, kinds 7–10): the top bits
/// of each coefficient (`HEContext.compress`) instead of full residues, at the widths of a
/// `CompactLayout`.
///
/// Layouts (little-endian, after the common header "PFHE", version 3, kind, parameter id):
/// - ciphertext group (7): scheme (1), limbs (1), scale (8), sender's noise bound (8), key bound (4),
///   c0 width (1), c1 width (1), secrets per key k (1), members m (1), then m c0 counts (4 each),
///   the m c0's first `count` coefficients and the one c1's N coefficients, each packed in its
///   width, every polynomial padded with zero bits to a byte. Member j is encrypted under s_j of a
///   k-secret key and all m share c1 (PVW 2008 packing, `HEContext.encrypt(messages:…)`); with
///   k = 1 a group is one ciphertext. Version 2 had no k, m and one count.
/// - decryption share (8): ciphertext id (8), parties (4), smudging bits (1), limbs (1), width (1),
///   count (4), then `count` packed coefficients.
/// - share-holder decryption share (9): holder (4), holders (4), then a share of kind 8.
/// - download (10), what a decrypting party receives of an aggregate group: scheme (1), limbs (1),
///   scale (8), noise bound (8), key bound (4), c1 width (1), k (1), m (1), then c1's N
///   coefficients. c0 stays with the aggregator; a share s_{i,j}·c1 + E_i needs c1 and the noise
///   bound its smudging floods.
/// Every length is implied by the header and checked exactly against what the receiver expects
/// (its k, its group sizes, its value counts); a width below the receiver's layout is refused
/// (`HESerializationError.overCompressed`), as are nonzero padding bits.
public enum CompactWire {
    /// Bytes of a compact ciphertext group whose members keep `counts` coefficients of c0 each.
    public static func groupByteCount(context: HEContext, layout: CompactLayout, counts: [Int]) -> Int {
        HESerialization.commonHeader + 1 + 1 + 8 + 8 + 4 + 1 + 1 + 1 + 1 + 4 * counts.count
            + counts.reduce(0) { $0 + CompactLayout.packedByteCount(count: $1, width: layout.messageWidth) }
            + CompactLayout.packedByteCount(count: context.degree, width: layout.ciphertextWidth)
    }

    /// Bytes of a compact ciphertext (a group of one) keeping `count` coefficients of c0.
    public static func ciphertextByteCount(context: HEContext, layout: CompactLayout, count: Int) -> Int {
        groupByteCount(context: context, layout: layout, counts: [count])
    }

    /// Bytes of a compact decryption share of `count` coefficients.
    public static func shareByteCount(layout: CompactLayout, count: Int) -> Int {
        HESerialization.commonHeader + 8 + 4 + 1 + 1 + 1 + 4 + CompactLayout.packedByteCount(count: count, width: layout.shareWidth)
    }

    /// Bytes of one group's download form (kind 10).
    public static func downloadByteCount(context: HEContext, layout: CompactLayout) -> Int {
        HESerialization.commonHeader + 1 + 1 + 8 + 8 + 4 + 1 + 1 + 1
            + CompactLayout.packedByteCount(count: context.degree, width: layout.ciphertextWidth)
    }

    // MARK: Ciphertexts

    /// One ciphertext of a one-secret key as a group of one.
    public static func serialize(_ c: Ciphertext, count: Int, layout: CompactLayout, context: HEContext) -> [UInt8] {
        serialize(group: [c], counts: [count], secrets: 1, layout: layout, context: context)
    }

    /// A group: member j (under s_j) keeps its c0's first `counts[j]` coefficients at the layout's
    /// c0 width; the c1 they share is sent once, at its c1 width.
    public static func serialize(group: [Ciphertext], counts: [Int], secrets: Int, layout: CompactLayout, context: HEContext) -> [UInt8] {
        precondition(!group.isEmpty && group.count == counts.count && group.count <= secrets)
        precondition(group.enumerated().allSatisfy { $0.element.keyIndex == $0.offset && $0.element.c1 == group[0].c1 },
                     "a group is members 0..<m under s_0 … s_{m−1} sharing c1")
        var c1 = group[0].c1
        context.inverseNTT(&c1)
        var w = ByteWriter()
        w.header(.compactCiphertext, context.parameterID, version: HESerialization.compactVersion)
        writeCiphertextFields(group, to: &w)
        w.byte(UInt8(layout.messageWidth))
        w.byte(UInt8(layout.ciphertextWidth))
        w.byte(UInt8(secrets))
        w.byte(UInt8(group.count))
        for count in counts { w.u32(UInt32(count)) }
        for (c, count) in zip(group, counts) {
            var c0 = c.c0
            context.inverseNTT(&c0)
            w.packed(context.compress(c0, width: layout.messageWidth, count: count), width: layout.messageWidth)
        }
        w.packed(context.compress(c1, width: layout.ciphertextWidth, count: context.degree), width: layout.ciphertextWidth)
        return w.bytes
    }

    /// A group of one under a one-secret key.
    public static func deserializeCiphertext(_ bytes: [UInt8], expectedCount: Int, layout: CompactLayout,
                                             context: HEContext) throws -> Ciphertext {
        try deserializeGroup(bytes, expectedCounts: [expectedCount], secrets: 1, layout: layout, context: context)[0]
    }

    /// The group's ciphertexts over every prime, member j under s_j, each with c1's rounding added
    /// to its noise bound: B + N·K·ρ(w1) (‖τ1·s_j‖∞ ≤ N·‖s_j‖∞·ρ, the same for every j). c0's
    /// coefficients past a member's count are zero (no decoder reads them).
    /// - Throws: `HESerializationError` for a malformed, truncated or over-compressed blob, one of
    ///   a key with another number of secrets than `secrets`, or with other members or counts
    ///   than `expectedCounts`.
    public static func deserializeGroup(_ bytes: [UInt8], expectedCounts: [Int], secrets: Int, layout: CompactLayout,
                                        context: HEContext) throws -> [Ciphertext] {
        var r = ByteReader(bytes)
        try r.header(.compactCiphertext, context.parameterID, version: HESerialization.compactVersion)
        let (limbs, scale, noise, keyBound) = try readCiphertextFields(&r, context: context)
        let c0Width = try width(&r, field: "c0", minimum: layout.messageWidth, context: context)
        let c1Width = try width(&r, field: "c1", minimum: layout.ciphertextWidth, context: context)
        try readGroupShape(&r, members: expectedCounts.count, secrets: secrets)
        var counts: [Int] = []
        for expected in expectedCounts {
            let count = Int(try r.u32())
            guard count == expected, count <= context.degree else {
                throw HESerializationError.invalidField("c0 holds \(count) coefficients, expected \(expected)")
            }
            counts.append(count)
        }
        try r.need(counts.reduce(0) { $0 + CompactLayout.packedByteCount(count: $1, width: c0Width) }
                   + CompactLayout.packedByteCount(count: context.degree, width: c1Width))
        var c0s = try counts.map { context.decompress(try r.packed(count: $0, width: c0Width), width: c0Width, limbs: limbs) }
        var c1 = context.decompress(try r.packed(count: context.degree, width: c1Width), width: c1Width, limbs: limbs)
        try r.end()
        for j in c0s.indices { context.forwardNTT(&c0s[j]) }
        context.forwardNTT(&c1)
        let rounding = Double(context.degree) * Double(keyBound) * context.compressionError(width: c1Width, limbs: limbs)
        return c0s.enumerated().map { j, c0 in
            Ciphertext(scheme: context.parameters.scheme, parameterID: context.parameterID, c0: c0, c1: c1,
                       scale: scale, noiseBound: noise + rounding, secretKeyBound: keyBound, keyIndex: j)
        }
    }

    // MARK: Downloads

    /// The c1 of an aggregate group whose c1 the aggregator already rounded to the layout's c1
    /// width (`HEContext.roundC1`), so this form loses nothing: the receiver's shares are shares of
    /// exactly the ciphertexts the aggregator holds.
    public static func serializeDownload(group: [Ciphertext], secrets: Int, layout: CompactLayout, context: HEContext) -> [UInt8] {
        precondition(!group.isEmpty && group.count <= secrets && group.allSatisfy { $0.c1 == group[0].c1 })
        var c1 = group[0].c1
        context.inverseNTT(&c1)
        var w = ByteWriter()
        w.header(.compactDownload, context.parameterID, version: HESerialization.compactVersion)
        writeCiphertextFields(group, to: &w)
        w.byte(UInt8(layout.ciphertextWidth))
        w.byte(UInt8(secrets))
        w.byte(UInt8(group.count))
        w.packed(context.compress(c1, width: layout.ciphertextWidth, count: context.degree), width: layout.ciphertextWidth)
        return w.bytes
    }

    /// The downloaded group: `members` ciphertexts with the one c1 and the noise bound as the
    /// aggregator holds them, member j under s_j, c0 zero (the receiver never reads it).
    /// - Throws: `HESerializationError` for a malformed, truncated or over-compressed download, or
    ///   one of another k or group size.
    public static func deserializeDownload(_ bytes: [UInt8], members: Int, secrets: Int, layout: CompactLayout,
                                           context: HEContext) throws -> [Ciphertext] {
        var r = ByteReader(bytes)
        try r.header(.compactDownload, context.parameterID, version: HESerialization.compactVersion)
        let (limbs, scale, noise, keyBound) = try readCiphertextFields(&r, context: context)
        let c1Width = try width(&r, field: "c1", minimum: layout.ciphertextWidth, context: context)
        try readGroupShape(&r, members: members, secrets: secrets)
        try r.need(CompactLayout.packedByteCount(count: context.degree, width: c1Width))
        var c1 = context.decompress(try r.packed(count: context.degree, width: c1Width), width: c1Width, limbs: limbs)
        try r.end()
        context.forwardNTT(&c1)
        return (0..<members).map { j in
            Ciphertext(scheme: context.parameters.scheme, parameterID: context.parameterID,
                       c0: RNSPolynomial(degree: context.degree, limbCount: limbs, isNTTForm: true), c1: c1,
                       scale: scale, noiseBound: noise, secretKeyBound: keyBound, keyIndex: j)
        }
    }

    /// k and m of a group, which must be the receiver's own: a blob made for another number of
    /// secrets per key (or another grouping) would pair c0's with the wrong s_j.
    private static func readGroupShape(_ r: inout ByteReader, members: Int, secrets: Int) throws {
        let k = Int(try r.byte()), m = Int(try r.byte())
        guard k == secrets else { throw HESerializationError.invalidField("a key of \(k) secrets, expected \(secrets)") }
        guard m == members else { throw HESerializationError.invalidField("a group of \(m) ciphertexts, expected \(members)") }
    }

    // MARK: Decryption shares

    public static func serialize(_ s: CompactDecryptionShare, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(.compactDecryptionShare, context.parameterID, version: HESerialization.compactVersion)
        w.word(s.ciphertextID)
        w.u32(UInt32(s.parties))
        w.byte(UInt8(s.smudgingBits))
        w.byte(UInt8(s.limbCount))
        w.byte(UInt8(s.width))
        w.u32(UInt32(s.values.count))
        w.packed(s.values, width: s.width)
        return w.bytes
    }

    /// - Throws: `HESerializationError` for a malformed, truncated or over-compressed share.
    public static func deserializeDecryptionShare(_ bytes: [UInt8], layout: CompactLayout, context: HEContext) throws -> CompactDecryptionShare {
        var r = ByteReader(bytes)
        let s = try readShare(&r, layout: layout, context: context)
        try r.end()
        return s
    }

    public static func serialize(_ s: CompactHolderDecryptionShare, context: HEContext) -> [UInt8] {
        var w = ByteWriter()
        w.header(.compactHolderDecryptionShare, context.parameterID, version: HESerialization.compactVersion)
        w.u32(UInt32(s.holder))
        w.u32(UInt32(s.holders))
        w.bytes.append(contentsOf: serialize(s.share, context: context))
        return w.bytes
    }

    public static func deserializeHolderDecryptionShare(_ bytes: [UInt8], layout: CompactLayout,
                                                        context: HEContext) throws -> CompactHolderDecryptionShare {
        var r = ByteReader(bytes)
        try r.header(.compactHolderDecryptionShare, context.parameterID, version: HESerialization.compactVersion)
        let holder = Int(try r.u32()), holders = Int(try r.u32())
        guard holders >= 2 && holders <= 64 && holder < holders else { throw HESerializationError.invalidField("share-holder \(holder) of \(holders)") }
        let share = try readShare(&r, layout: layout, context: context)
        try r.end()
        return CompactHolderDecryptionShare(holder: holder, holders: holders, share: share)
    }

    private static func readShare(_ r: inout ByteReader, layout: CompactLayout, context: HEContext) throws -> CompactDecryptionShare {
        try r.header(.compactDecryptionShare, context.parameterID, version: HESerialization.compactVersion)
        let (id, parties, bits, limbs) = try HESerialization.shareFields(&r, context: context)
        guard limbs == context.maximumLimbCount else { throw HESerializationError.invalidField("limb count \(limbs)") }
        let shareWidth = try width(&r, field: "decryption share", minimum: layout.shareWidth, context: context)
        let count = Int(try r.u32())
        guard (1...context.degree).contains(count) else { throw HESerializationError.invalidField("share of \(count) coefficients") }
        try r.need(CompactLayout.packedByteCount(count: count, width: shareWidth))
        let values = try r.packed(count: count, width: shareWidth)
        return CompactDecryptionShare(parameterID: context.parameterID, ciphertextID: id, limbCount: limbs, width: shareWidth,
                                      values: values, parties: parties, smudgingBits: bits)
    }

    /// The fields every compact ciphertext form opens with: scheme, limbs, scale, noise bound (the
    /// largest of the group's), key bound.
    private static func writeCiphertextFields(_ group: [Ciphertext], to w: inout ByteWriter) {
        let c = group[0]
        precondition(group.allSatisfy { $0.limbCount == c.limbCount && $0.scale == c.scale && $0.secretKeyBound == c.secretKeyBound })
        w.byte(c.scheme == .ckks ? 1 : 2)
        w.byte(UInt8(c.limbCount))
        w.word(c.scale.bitPattern)
        w.word(group.map(\.noiseBound).max()!.bitPattern)
        w.u32(UInt32(c.secretKeyBound))
    }

    private static func readCiphertextFields(_ r: inout ByteReader, context: HEContext) throws
        -> (limbs: Int, scale: Double, noise: Double, keyBound: Int) {
        let schemeByte = try r.byte()
        guard schemeByte == (context.parameters.scheme == .ckks ? 1 : 2) else { throw HESerializationError.invalidField("scheme \(schemeByte)") }
        let limbs = Int(try r.byte())
        guard limbs == context.maximumLimbCount else { throw HESerializationError.invalidField("limb count \(limbs)") }
        let scale = Double(bitPattern: try r.word()), noise = Double(bitPattern: try r.word())
        guard scale.isFinite, scale > 0, noise.isFinite, noise >= 0 else { throw HESerializationError.invalidField("scale or noise bound") }
        let keyBound = Int(try r.u32())
        guard keyBound >= 1 && keyBound <= 1 << 20 else { throw HESerializationError.invalidField("key bound \(keyBound)") }
        return (limbs, scale, noise, keyBound)
    }

    private static func width(_ r: inout ByteReader, field: String, minimum: Int, context: HEContext) throws -> Int {
        let w = Int(try r.byte())
        guard w >= minimum else { throw HESerializationError.overCompressed(field: field, width: w, minimum: minimum) }
        guard w <= HEContext.maximumCompressionWidth, Double(w) < context.logModulus(limbs: context.maximumLimbCount) else {
            throw HESerializationError.invalidField("\(field) width \(w)")
        }
        return w
    }
}

/// One party's compact decryption share of one ciphertext: the top `width` bits of the first
/// coefficients of s_i·c1 + E_i (coefficient form), the ones the decoder reads. Rounding after
/// the smudging is post-processing of the released share: it hides nothing less.
public struct CompactDecryptionShare: Sendable, Equatable {
    public let parameterID: UInt64
    public let ciphertextID: UInt64
    public let limbCount: Int
    public let width: Int
    public let values: [UInt128]
    public let parties: Int
    public let smudgingBits: Int

    /// The share read back as a `DecryptionShare` in coefficient form, for
    /// `ThresholdDecryption.aggregate` and `finalize`.
    public func expanded(context: HEContext) -> DecryptionShare {
        DecryptionShare(parameterID: parameterID, ciphertextID: ciphertextID,
                        polynomial: context.decompress(values, width: width, limbs: limbCount),
                        parties: parties, smudgingBits: smudgingBits)
    }
}

/// A share-holder's compact decryption share (DP + HE + MPC).
public struct CompactHolderDecryptionShare: Sendable, Equatable {
    public let holder: Int
    public let holders: Int
    public let share: CompactDecryptionShare
}

extension ByteWriter {
    /// `values` (each below 2^width, width ≤ 124) packed least-significant bit first, then zero bits to a byte.
    mutating func packed(_ values: [UInt128], width: Int) {
        var accumulator: UInt64 = 0, filled = 0
        bytes.reserveCapacity(bytes.count + CompactLayout.packedByteCount(count: values.count, width: width))
        func put(_ v: UInt64, _ bits: Int) {
            accumulator |= v << UInt64(filled)
            if filled + bits >= 64 {
                for b in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(8 * b))) }
                accumulator = v >> UInt64(64 - filled)
                filled += bits - 64
            } else {
                filled += bits
            }
        }
        let low = min(width, 64), high = width - low
        for v in values {
            put(UInt64(truncatingIfNeeded: v), low)
            if high > 0 { put(UInt64(truncatingIfNeeded: v >> 64), high) }
        }
        var b = 0
        while filled > 0 {
            bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(8 * b)))
            b += 1
            filled -= 8
        }
    }
}

extension ByteReader {
    /// `count` values of `width` bits as written by `ByteWriter.packed`; the padding bits must be zero.
    mutating func packed(count: Int, width: Int) throws -> [UInt128] {
        let size = CompactLayout.packedByteCount(count: count, width: width)
        try need(size)
        var out = [UInt128](repeating: 0, count: count)
        let end = offset + size
        var position = offset, accumulator: UInt64 = 0, available = 0
        bytes.withUnsafeBufferPointer { src in
            func take(_ bits: Int) -> UInt64 {
                let mask: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
                if available >= bits {
                    let v = accumulator & mask
                    accumulator = accumulator >> UInt64(bits)
                    available -= bits
                    return v
                }
                var fresh: UInt64 = 0
                let loaded = min(8, end - position)
                for b in 0..<loaded { fresh |= UInt64(src[position + b]) << UInt64(8 * b) }
                position += loaded
                let v = (accumulator | fresh << UInt64(available)) & mask
                let used = bits - available
                accumulator = fresh >> UInt64(used)
                available = 8 * loaded - used
                return v
            }
            let low = min(width, 64), high = width - low
            for j in 0..<count {
                var v = UInt128(take(low))
                if high > 0 { v |= UInt128(take(high)) << 64 }
                out[j] = v
            }
        }
        guard accumulator == 0, position == end else { throw HESerializationError.invalidField("nonzero padding bits") }
        offset = end
        return out
    }
}
