import Foundation
import HomomorphicEncryption

/// The HE part of `privfed bench aggregate --scheme ckks|bfv`: every client encrypts an update of
/// `parameters` float32 values, the aggregator sums and scales, the mean is decrypted (one key, or
/// threshold decryption by every client). The merged `bench aggregate` command calls this for
/// the HE schemes (additive/secagg/secagg+ live in BenchAggregateCommand.swift).
/// - Throws: `ValidationError`-style errors for an unknown scheme, and the library's errors.
func runHEAggregateBenchmark(scheme: String, clients: Int, parameters: Int, threads: Int, threshold: Bool, json: Bool) throws {
    guard let heScheme = HEScheme(rawValue: scheme.lowercased()) else {
        throw HEAggregateBenchError.unknownScheme(scheme)
    }
    let r = try HEAggregationBenchmark.run(scheme: heScheme, clients: clients, parameters: parameters, threads: threads,
                                           threshold: threshold)
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(r), as: UTF8.self))
        return
    }
    func ms(_ seconds: Double) -> String { String(format: "%9.1f ms", seconds * 1000) }
    print("\(r.scheme.uppercased()) N=\(r.ringDegree), \(r.clients) clients × \(r.parameters) values, \(r.threads) threads, \(r.decryptionMode) decryption")
    print("  total                 \(ms(r.totalSeconds))")
    print("  encrypt per client    \(ms(r.encryptSecondsPerClient))  (\(r.ciphertextsPerClient) ciphertexts, "
          + "\(r.secretsPerKey) per c1, \(r.blobsPerClient) blobs)")
    print("  aggregate             \(ms(r.aggregateSeconds))")
    print("  decrypt               \(ms(r.decryptSeconds))")
    print("  uploaded per client   \(r.bytesUploadedPerClient) bytes")
    if r.decryptionShareBytesPerClient > 0 { print("  decryption shares     \(r.decryptionShareBytesPerClient) bytes per client") }
    print("  downloaded per client \(r.bytesDownloadedPerClient) bytes")
    if r.publicKeyShareBytesPerClient > 0 { print("  key share per client  \(r.publicKeyShareBytesPerClient) bytes (once per key epoch)") }
    if let layout = r.layout { print("  compact layout        \(layout)") }
    if let bound = r.errorBound { print("  error bound           \(String(format: "%.3g", bound)) (worst case)") }
    print("  max |error| vs mean   \(String(format: "%.3g", r.maxAbsErrorVsPlaintextMean))")
}

enum HEAggregateBenchError: Error, CustomStringConvertible {
    case unknownScheme(String)
    var description: String {
        switch self {
        case .unknownScheme(let s): return "--scheme must be ckks or bfv for an HE aggregate, got \(s)"
        }
    }
}
