import Foundation
import Randomness

/// The outcome of one simulated encrypted aggregation round.
public struct HEAggregationBenchmarkResult: Sendable, Codable, Equatable {
    public let scheme: String
    public let ringDegree: Int
    public let clients: Int
    public let parameters: Int
    public let threads: Int
    public let decryptionMode: String
    public let ciphertextsPerClient: Int
    /// k of the key: ciphertexts per shared c1 (`HEVectorCodec.secretsPerKey`).
    public let secretsPerKey: Int
    /// Blobs of one client's upload (one per group of ciphertexts sharing c1 in compact forms).
    public let blobsPerClient: Int
    /// Threshold mode: bytes of one client's serialized public-key share (once per key epoch; k polynomials).
    public let publicKeyShareBytesPerClient: Int
    /// Everything after key generation: all encryptions, the sum and scaling, decryption (shares included).
    public let totalSeconds: Double
    public let encryptSecondsPerClient: Double
    public let aggregateSeconds: Double
    public let decryptSeconds: Double
    /// Bytes of one client's serialized upload, measured on the blobs (compact forms when threshold).
    public let bytesUploadedPerClient: Int
    /// Threshold mode: bytes of one client's serialized decryption shares, measured (0 otherwise).
    public let decryptionShareBytesPerClient: Int
    /// Bytes a decrypting party downloads to make its shares (c1 of the aggregate); single key:
    /// the serialized aggregate the key holder fetches.
    public let bytesDownloadedPerClient: Int
    public let maxAbsErrorVsPlaintextMean: Double
    /// Threshold mode: the worst-case error on a released mean that the compact layout allows.
    public let errorBound: Double?
    /// Threshold mode: the compact layout (bits kept of c1, c0 and shares).
    public let layout: String?
}

/// Simulates one FedAvg round under HE: every client encrypts an update of `parameters` float32
/// values, the aggregator sums them and scales by 1/clients, and the mean is decrypted (by one
/// key, or by threshold decryption with every client's share).
public enum HEAggregationBenchmark {
    /// - Parameters:
    ///   - parameters: values per client update (MNIST CNN: 101,770).
    ///   - threshold: collective key and threshold decryption by all clients instead of one key.
    ///   - ringDegree: N (default 8192, the [60, 40, 40, 60] chain for CKKS).
    /// - Throws: parameter and codec errors.
    public static func run(scheme: HEScheme, clients: Int, parameters: Int, threads: Int = 2, threshold: Bool = false,
                           ringDegree: Int = 8192, seed: UInt64 = 2026) throws -> HEAggregationBenchmarkResult {
        let context = HEContext(parameters: try .standard(scheme: scheme, ringDegree: ringDegree))
        let streams = RandomStreams(seed: seed)
        var dataRng = streams.generator("bench/aggregate/updates")
        let updates = (0..<clients).map { _ in (0..<parameters).map { _ in Float(dataRng.nextUnitDouble() * 2 - 1) } }
        let mode: HEDecryptionMode = threshold ? .threshold : .singleKey
        let secrets = threshold ? HEVectorCodec.secretsPerKey(forValues: parameters, ringDegree: ringDegree) : 1
        let codec = try HEVectorCodec(context: context, mode: mode, parties: threshold ? clients : 1,
                                      maximumTotalWeight: clients, valueBound: 1,
                                      precisionBits: scheme == .ckks && !threshold ? 30 : 20, secretsPerKey: secrets)
        // Keys (not timed): one key, or the collective key of all clients.
        var secretKeys: [SecretKey] = []
        let publicKey: PublicKey
        var keyShareBytes = 0
        if threshold {
            let generation = CollectivePublicKeyGeneration(context: context, crs: CommonReferencePolynomial(context: context, seed: streams.key("bench/crs")))
            var shares: [PublicKeyShare] = []
            for i in 0..<clients {
                var rng = streams.generator("bench/client/\(i)/keys")
                let s = SecretKey(context: context, secrets: secrets, rng: &rng)
                secretKeys.append(s)
                shares.append(generation.generateShare(secretKeyShare: s, rng: &rng))
            }
            keyShareBytes = HESerialization.serialize(shares[0], context: context).count
            publicKey = generation.finalize(try generation.aggregate(shares))
        } else {
            var rng = streams.generator("bench/keys")
            let s = SecretKey(context: context, rng: &rng)
            secretKeys = [s]
            publicKey = PublicKey(secretKey: s, context: context, rng: &rng)
        }
        // Encryption includes the client's serialization; aggregation starts from the received bytes.
        var uploads: [[[UInt8]]] = []
        let encryptSeconds = try HEBenchmark.milliseconds {
            for i in 0..<clients {
                var rng = streams.generator("bench/client/\(i)/encrypt")
                uploads.append(codec.wireForm(of: try codec.encrypt(updates[i], publicKey: publicKey, rng: &rng, threads: threads)))
            }
        } / 1000
        var aggregate: EncryptedVector? = nil
        var divisor = 1.0
        let aggregateSeconds = try HEBenchmark.milliseconds {
            let encrypted = try uploads.map { try codec.receive($0, count: parameters) }
            let sum = try codec.weightedSum(encrypted, threads: threads)
            if scheme == .ckks && !threshold {
                aggregate = try codec.multiply(sum, byReal: 1 / Double(clients), threads: threads)
            } else {
                aggregate = sum  // integer weights: the 1/clients is applied exactly after decoding
                divisor = Double(clients)
            }
        } / 1000
        var mean: [Double] = []
        var shareBytes = 0
        // What every key holder downloads to make its shares, parsed once (each holder parses the same bytes).
        let download = codec.wireDownload(of: aggregate!)
        let downloaded = try codec.receiveDownload(download, count: parameters)
        let decryptSeconds = try HEBenchmark.milliseconds {
            if threshold {
                let wire = secretKeys.enumerated().map { i, key in
                    var rng = streams.generator("bench/client/\(i)/decrypt")
                    return codec.wireDecryptionShares(of: downloaded, secretKeyShare: key, rng: &rng, threads: threads)
                }
                shareBytes = wire[0].reduce(0) { $0 + $1.count }
                let shares = try wire.map { try codec.receiveDecryptionShares($0) }
                mean = try codec.decrypt(aggregate!, shares: shares, divisor: divisor, threads: threads)
            } else {
                mean = codec.decrypt(aggregate!, secretKey: secretKeys[0], divisor: divisor, threads: threads)
            }
        } / 1000
        var maxError = 0.0
        for j in 0..<parameters {
            var s = 0.0
            for i in 0..<clients { s += Double(updates[i][j]) }
            maxError = max(maxError, abs(mean[j] - s / Double(clients)))
        }
        return HEAggregationBenchmarkResult(
            scheme: scheme.rawValue, ringDegree: ringDegree, clients: clients, parameters: parameters, threads: threads,
            decryptionMode: mode.rawValue, ciphertextsPerClient: codec.ciphertextCount(forValues: parameters), secretsPerKey: secrets,
            blobsPerClient: uploads[0].count, publicKeyShareBytesPerClient: keyShareBytes,
            totalSeconds: encryptSeconds + aggregateSeconds + decryptSeconds,
            encryptSecondsPerClient: encryptSeconds / Double(clients), aggregateSeconds: aggregateSeconds,
            decryptSeconds: decryptSeconds, bytesUploadedPerClient: uploads[0].reduce(0) { $0 + $1.count },
            decryptionShareBytesPerClient: shareBytes, bytesDownloadedPerClient: download.reduce(0) { $0 + $1.count },
            maxAbsErrorVsPlaintextMean: maxError,
            errorBound: codec.valueErrorBound.map { $0 / divisor + pow(2, -Double(codec.precisionBits + 1)) },
            layout: codec.compact?.description)
    }
}
