import Foundation
import ResultsStore

/// The commitment to a job's canaries, written to the database before training starts and opened
/// after the last round, so an auditor can check that the mask was fixed before the model existed
/// (a runner that picked the mask after training could make the guesses look as good as it liked).
///
/// commitment = SHA-256( "privfed.canaries.v1" ‖ 0x00 ‖ m as u32 LE ‖ for each canary: image index
/// as u32 LE, label as u8, inclusion bit as u8 ‖ salt ). The 32-byte salt makes the hash hiding: with
/// m bits of mask and a public rule for the images, an unsalted hash could be inverted by search
/// for small m. Binding rests on SHA-256's collision resistance (FIPS 180-4).
public enum CanaryCommitment {
    public static let domain = "privfed.canaries.v1"

    public static func digest(imageIndices: [Int], labels: [Int], mask: [Bool], salt: [UInt8]) -> String {
        precondition(imageIndices.count == labels.count && labels.count == mask.count, "one image, label and bit per canary")
        var bytes = Array(domain.utf8) + [0]
        func u32(_ x: Int) { withUnsafeBytes(of: UInt32(x).littleEndian) { bytes += $0 } }
        u32(mask.count)
        for i in mask.indices {
            u32(imageIndices[i])
            bytes.append(UInt8(labels[i]))
            bytes.append(mask[i] ? 1 : 0)
        }
        return Digest.sha256Hex(bytes + salt)
    }

    /// The mask as stored: "1" for included, "0" for excluded, in canary order.
    public static func maskText(_ mask: [Bool]) -> String { String(mask.map { $0 ? "1" : "0" }) }

    /// The mask back from its stored text; nil if it holds anything but 0 and 1.
    public static func mask(fromText text: String) -> [Bool]? {
        var mask: [Bool] = []
        for c in text {
            switch c {
            case "1": mask.append(true)
            case "0": mask.append(false)
            default: return nil
            }
        }
        return mask
    }

    public static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Bytes from hex text; nil when it is not an even run of hex digits.
    public static func bytes(fromHex text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
