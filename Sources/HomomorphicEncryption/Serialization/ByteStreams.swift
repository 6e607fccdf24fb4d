/// Little-endian writer with bit packing of residues.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }

    mutating func word(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }

    mutating func header(_ kind: HESerialization.Kind, _ parameterID: UInt64, version: UInt8 = HESerialization.version) {
        bytes.append(contentsOf: HESerialization.magic)
        byte(version)
        byte(kind.rawValue)
        word(parameterID)
    }

    /// Each limb i as N residues of ⌈log2 q_i⌉ bits, padded to a whole byte per limb.
    mutating func polynomial(_ p: RNSPolynomial, _ context: HEContext) {
        let n = p.degree
        for i in 0..<p.limbCount {
            let bits = context.moduli[i].bitWidth
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: (n * bits + 7) / 8))
            bytes.withUnsafeMutableBufferPointer { out in
                p.residues.withUnsafeBufferPointer { src in
                    var accumulator: UInt64 = 0, filled = 0, position = start
                    for j in 0..<n {
                        let v = src[i * n + j]
                        accumulator |= v << filled
                        let taken = min(64 - filled, bits)
                        filled += bits
                        if filled >= 64 {
                            for b in 0..<8 { out[position + b] = UInt8(truncatingIfNeeded: accumulator >> (8 * UInt64(b))) }
                            position += 8
                            filled -= 64
                            accumulator = taken < bits ? v >> taken : 0
                        }
                    }
                    var b = 0
                    while filled > 0 {
                        out[position + b] = UInt8(truncatingIfNeeded: accumulator)
                        accumulator >>= 8
                        filled -= 8
                        b += 1
                    }
                }
            }
        }
    }
}

/// Bounds-checked little-endian reader; every failure is an `HESerializationError`.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func need(_ n: Int) throws {
        guard bytes.count - offset >= n else { throw HESerializationError.truncated(needed: offset + n, available: bytes.count) }
    }

    mutating func byte() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func word() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    mutating func header(_ kind: HESerialization.Kind, _ parameterID: UInt64, version expected: UInt8 = HESerialization.version) throws {
        try need(HESerialization.commonHeader)
        guard Array(bytes[offset..<(offset + 4)]) == HESerialization.magic else { throw HESerializationError.badMagic }
        offset += 4
        let version = try byte()
        guard version == expected else { throw HESerializationError.unsupportedVersion(version) }
        let k = try byte()
        guard k == kind.rawValue else { throw HESerializationError.wrongKind(expected: kind.rawValue, found: k) }
        let id = try word()
        guard id == parameterID else { throw HESerializationError.parameterMismatch(expected: parameterID, found: id) }
    }

    /// The common header of a blob that may be of either kind (full version); true for `second`.
    mutating func header(either first: HESerialization.Kind, or second: HESerialization.Kind, _ parameterID: UInt64) throws -> Bool {
        let isSecond = bytes.count > offset + 5 && bytes[offset + 5] == second.rawValue
        try header(isSecond ? second : first, parameterID)
        return isSecond
    }

    mutating func polynomial(_ context: HEContext, limbs: Int) throws -> RNSPolynomial {
        let n = context.degree
        var p = RNSPolynomial(degree: n, limbCount: limbs, isNTTForm: true)
        for i in 0..<limbs {
            let q = context.moduli[i].value, bits = context.moduli[i].bitWidth
            let size = (n * bits + 7) / 8
            try need(size)
            let mask: UInt64 = (1 << bits) - 1
            var outOfRange = -1
            bytes.withUnsafeBufferPointer { src in
                p.residues.withUnsafeMutableBufferPointer { dst in
                    var bitPosition = 0
                    for j in 0..<n {
                        // Read up to 9 bytes covering the bits of residue j.
                        let byteIndex = offset + bitPosition >> 3, shift = bitPosition & 7
                        var v: UInt64 = 0
                        let available = min(9, offset + size - byteIndex)
                        for b in 0..<min(8, available) { v |= UInt64(src[byteIndex + b]) << (8 * UInt64(b)) }
                        v >>= UInt64(shift)
                        if shift + bits > 64 && available > 8 { v |= UInt64(src[byteIndex + 8]) << UInt64(64 - shift) }
                        v &= mask
                        if v >= q && outOfRange < 0 { outOfRange = j }
                        dst[i * n + j] = v
                        bitPosition += bits
                    }
                }
            }
            guard outOfRange < 0 else { throw HESerializationError.coefficientOutOfRange(limb: i, index: outOfRange) }
            offset += size
        }
        return p
    }

    func end() throws {
        guard offset == bytes.count else { throw HESerializationError.trailingBytes(bytes.count - offset) }
    }
}
