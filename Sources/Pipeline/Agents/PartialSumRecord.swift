import Foundation

/// One partial sum a share-holder gave: the job, the round, whose shares, and the SHA-256 of
/// their ciphertexts. A holder gives at most one per round: the same request again (a retried or
/// resumed round) is answered again; any other set of shares for the round is refused.
struct PartialSumRecord: Codable, Equatable {
    var job: UInt64
    var manifestSha256: String
    var round: Int
    var clients: [Int]
    var sharesSha256: String

    enum CodingKeys: String, CodingKey {
        case job, round, clients
        case manifestSha256 = "manifest_sha256", sharesSha256 = "shares_sha256"
    }

    static func path(in stateDirectory: String) -> String { (stateDirectory as NSString).appendingPathComponent("partial-sums.jsonl") }

    /// Records `record` (synced to disk before the sum leaves), or refuses it when another set
    /// was summed for its round.
    static func admit(_ record: PartialSumRecord, in stateDirectory: String) throws {
        let path = path(in: stateDirectory)
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for (number, line) in text.split(separator: "\n").enumerated() {
            guard let past = try? JSONDecoder().decode(PartialSumRecord.self, from: Data(line.utf8)) else {
                throw AgentError.ledger(path: path, line: number + 1, reason: "is not a partial-sum record")
            }
            guard past.job == record.job, past.manifestSha256 == record.manifestSha256, past.round == record.round else { continue }
            if past == record { return }
            throw AgentError.refused("round \(record.round)'s partial sum was given over clients \(past.clients) already; "
                                     + "a second one over \(record.clients) would open the difference")
        }
        try JSONLineFile.append(record, to: path)
    }
}
