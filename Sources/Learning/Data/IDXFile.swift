/// Parsing of the IDX format used by MNIST: a big-endian header then unsigned bytes.
///
/// Layout (LeCun et al., "THE MNIST DATABASE of handwritten digits"): int32 magic
/// (0x00000803 for rank-3 images, 0x00000801 for rank-1 labels), int32 count, for images
/// int32 rows and int32 cols, then the payload row-major. Every field is checked.
enum IDXFile {
    static let imagesMagic: UInt32 = 0x0000_0803
    static let labelsMagic: UInt32 = 0x0000_0801
    static let side = 28

    private static func bigEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (UInt32(bytes[offset]) << 24) | (UInt32(bytes[offset + 1]) << 16)
            | (UInt32(bytes[offset + 2]) << 8) | UInt32(bytes[offset + 3])
    }

    private static func checkMagic(_ bytes: [UInt8], expected: UInt32, headerSize: Int, file: String) throws(MNISTError) {
        guard bytes.count >= 4 else { throw .badHeader(file: file, reason: "only \(bytes.count) bytes, no magic number") }
        let magic = bigEndianWord(bytes, at: 0)
        guard magic == expected else { throw .wrongMagic(file: file, expected: expected, actual: magic) }
        guard bytes.count >= headerSize else {
            throw .badHeader(file: file, reason: "header needs \(headerSize) bytes, file has \(bytes.count)")
        }
    }

    /// Validates an images file and returns its count; the pixels start at byte 16.
    static func imageCount(_ bytes: [UInt8], file: String) throws(MNISTError) -> Int {
        try checkMagic(bytes, expected: imagesMagic, headerSize: 16, file: file)
        let count = Int(bigEndianWord(bytes, at: 4))
        let rows = Int(bigEndianWord(bytes, at: 8)), cols = Int(bigEndianWord(bytes, at: 12))
        guard rows == side && cols == side else {
            throw .badHeader(file: file, reason: "images are \(rows)x\(cols), expected 28x28")
        }
        guard count > 0 && count <= 10_000_000 else { throw .badHeader(file: file, reason: "implausible count \(count)") }
        let expected = 16 + count * side * side
        guard bytes.count == expected else { throw .wrongLength(file: file, expected: expected, actual: bytes.count) }
        return count
    }

    /// Validates a labels file (every label in 0...9) and returns its count; labels start at byte 8.
    static func labelCount(_ bytes: [UInt8], file: String) throws(MNISTError) -> Int {
        try checkMagic(bytes, expected: labelsMagic, headerSize: 8, file: file)
        let count = Int(bigEndianWord(bytes, at: 4))
        guard count > 0 && count <= 10_000_000 else { throw .badHeader(file: file, reason: "implausible count \(count)") }
        let expected = 8 + count
        guard bytes.count == expected else { throw .wrongLength(file: file, expected: expected, actual: bytes.count) }
        for i in 0..<count where bytes[8 + i] > 9 {
            throw .invalidLabel(file: file, index: i, value: bytes[8 + i])
        }
        return count
    }

    /// The IDX images file of `pixels` (one byte per pixel, row-major, 28x28 each).
    static func encodeImages(_ pixels: [UInt8]) -> [UInt8] {
        precondition(pixels.count % (side * side) == 0, "not whole 28x28 images")
        return header(imagesMagic, [UInt32(pixels.count / (side * side)), UInt32(side), UInt32(side)]) + pixels
    }

    /// The IDX labels file of `labels`.
    static func encodeLabels(_ labels: [UInt8]) -> [UInt8] {
        header(labelsMagic, [UInt32(labels.count)]) + labels
    }

    private static func header(_ magic: UInt32, _ fields: [UInt32]) -> [UInt8] {
        ([magic] + fields).flatMap { word in (0..<4).reversed().map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) } }
    }
}
