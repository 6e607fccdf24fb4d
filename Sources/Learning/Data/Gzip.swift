import CZlib
import Foundation

/// Gzip decompression through the system zlib (RFC 1952 container, RFC 1951 deflate).
///
/// `inflateInit2` with `16 + MAX_WBITS` makes zlib parse the gzip header and check the
/// trailer's CRC-32 and length, so corruption anywhere in the file is detected.
enum Gzip {
    /// Decompresses a whole single-member gzip file.
    /// - Parameters:
    ///   - data: the compressed bytes.
    ///   - file: the file name used in errors.
    ///   - expectedSize: a size hint for the output buffer (the true size may differ).
    /// - Throws: `MNISTError.corruptGzip` when zlib reports an error or the stream ends early.
    static func decompress(_ data: [UInt8], file: String, expectedSize: Int = 0) throws(MNISTError) -> [UInt8] {
        var stream = z_stream()
        let windowBits: Int32 = 16 + MAX_WBITS
        let initStatus = inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw .corruptGzip(file: file, reason: "inflateInit2 failed (\(initStatus))") }
        defer { inflateEnd(&stream) }
        if data.isEmpty { throw .corruptGzip(file: file, reason: "empty file") }

        var output = [UInt8](repeating: 0, count: max(expectedSize, data.count * 4, 1024))
        var produced = 0
        var status: Int32 = Z_OK
        data.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
                output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = uInt(out.count - produced)
                    status = inflate(&stream, Z_NO_FLUSH)
                    produced = out.count - Int(stream.avail_out)
                }
                if status != Z_OK { break }
                // Z_OK with input exhausted and room left means the stream is truncated.
                if stream.avail_in == 0 && stream.avail_out > 0 { status = Z_BUF_ERROR; break }
            }
        }
        switch status {
        case Z_STREAM_END:
            if stream.avail_in != 0 {
                throw .corruptGzip(file: file, reason: "\(stream.avail_in) trailing bytes after the gzip member")
            }
            output.removeSubrange(produced...)
            return output
        case Z_BUF_ERROR:
            throw .corruptGzip(file: file, reason: "stream ends early after \(produced) decompressed bytes (truncated)")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw .corruptGzip(file: file, reason: message)
        }
    }
}

extension Gzip {
    /// Compresses `data` into a single gzip member (level 9); used to build test fixtures.
    static func compress(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        let status = deflateInit2_(&stream, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "deflateInit2 failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        var input = data
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                let result = deflate(&stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "deflate did not finish")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }
}
