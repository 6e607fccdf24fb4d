/// The one frame every message between parties travels in — in process today, over gRPC in the
/// networked agents: `"PFW1"`, version (u16), kind (u16), payload length (u64), payload. All
/// integers little-endian. The length is checked against the bytes actually present, so a
/// truncated or padded message is refused before a field is read.
public enum WireFrame {
    public static let magic: [UInt8] = Array("PFW1".utf8)
    public static let version: UInt16 = 1
    public static let headerSize = 4 + 2 + 2 + 8

    /// `payload` framed as a message of `kind`.
    public static func frame(kind: UInt16, payload: [UInt8]) -> [UInt8] {
        var w = WireWriter()
        w.bytes.reserveCapacity(headerSize + payload.count)
        w.bytes += magic
        w.u16(version)
        w.u16(kind)
        w.u64(UInt64(payload.count))
        w.bytes += payload
        return w.bytes
    }

    /// The payload of a frame of `kind`.
    public static func payload(of bytes: [UInt8], kind: UInt16) throws -> ArraySlice<UInt8> {
        let found = try self.kind(of: bytes)
        guard found == kind else { throw WireError.unexpectedKind(expected: kind, found: found) }
        var r = WireReader(bytes[8..<headerSize])
        let length = try r.u64("length")
        guard length == UInt64(bytes.count - headerSize) else { throw WireError.lengthMismatch(declared: length, actual: bytes.count - headerSize) }
        return bytes[headerSize...]
    }
}

/// Appends little-endian fields.
public struct WireWriter {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt16(i)))) } }
    public mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    public mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    public mutating func floats(_ values: [Float]) {
        u64(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        values.withUnsafeBufferPointer { buffer in
            for v in buffer { u32(v.bitPattern) }
        }
    }
    public mutating func blob(_ data: [UInt8]) { u64(UInt64(data.count)); bytes += data }
    public mutating func words(_ values: [UInt64]) {
        u64(UInt64(values.count))
        bytes.reserveCapacity(bytes.count + 8 * values.count)
        for v in values { u64(v) }
    }
}

/// Reads little-endian fields, checking every length against what is left.
public struct WireReader {
    private var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    private mutating func take(_ n: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count >= n else { throw WireError.truncated(field: field, needed: n, available: bytes.count) }
        let part = bytes.prefix(n)
        bytes = bytes.dropFirst(n)
        return part
    }

    private mutating func unsigned(_ width: Int, _ field: String) throws -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try take(width, field).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }

    public mutating func u16(_ field: String) throws -> UInt16 { UInt16(try unsigned(2, field)) }
    public mutating func u32(_ field: String) throws -> UInt32 { UInt32(try unsigned(4, field)) }
    public mutating func u64(_ field: String) throws -> UInt64 { try unsigned(8, field) }

    /// A count that must fit what is left at `width` bytes per item.
    public mutating func count(_ field: String, width: Int) throws -> Int {
        let n = try u64(field)
        guard n <= UInt64(bytes.count / max(width, 1)) else {
            throw WireError.truncated(field: field, needed: Int(clamping: n) &* width, available: bytes.count)
        }
        return Int(n)
    }

    public mutating func floats(_ field: String) throws -> [Float] {
        try array(field, width: 4) { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
    }

    public mutating func blob(_ field: String) throws -> [UInt8] { Array(try take(try count(field, width: 1), field)) }

    public mutating func words(_ field: String) throws -> [UInt64] { try array(field, width: 8) { $0 } }

    /// A counted array of little-endian values `width` bytes wide, the count checked against
    /// what is left before anything is allocated.
    private mutating func array<T>(_ field: String, width: Int, _ make: (UInt64) -> T) throws -> [T] {
        let n = try count(field, width: width)
        let raw = try take(width * n, field)
        var out: [T] = []
        out.reserveCapacity(n)
        var i = raw.startIndex
        for _ in 0..<n {
            var v: UInt64 = 0
            for b in 0..<width { v |= UInt64(raw[i + b]) << (8 * UInt64(b)) }
            out.append(make(v))
            i += width
        }
        return out
    }

    public func end() throws { if !bytes.isEmpty { throw WireError.trailingBytes(bytes.count) } }
}
