import Foundation
import Hummingbird

extension Request {
    /// The whole body, refused with 413 as soon as it passes `limit` bytes: a `Content-Length` over
    /// the limit is refused before a byte is read, and a chunked body is counted as it arrives, so
    /// a client cannot make the server buffer more than `limit`.
    func bodyText(limit: Int) async throws -> String {
        if let declared = headers[.contentLength].flatMap({ Int($0) }), declared > limit { throw APIError.tooLarge(limit: limit) }
        var bytes: [UInt8] = []
        for try await buffer in body {
            guard bytes.count + buffer.readableBytes <= limit else { throw APIError.tooLarge(limit: limit) }
            bytes += buffer.readableBytesView
        }
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw APIError.badRequest("the request body is not UTF-8 text")
        }
        return text
    }
}
