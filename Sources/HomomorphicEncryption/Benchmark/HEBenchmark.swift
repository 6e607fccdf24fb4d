import Dispatch
import Randomness

/// Median timings of the basic operations at one parameter set (milliseconds).
public struct HEBenchmarkResult: Sendable, Codable, Equatable {
    public let scheme: String
    public let ringDegree: Int
    public let modulusBits: [Int]
    public let threads: Int
    public let iterations: Int
    /// Secret key plus public key.
    public let keyGenerationMilliseconds: Double
    /// Encode one full plaintext and encrypt it with the public key.
    public let encryptMilliseconds: Double
    /// a + b into a new ciphertext.
    public let addMilliseconds: Double
    /// a += b (what a running aggregate does).
    public let addInPlaceMilliseconds: Double
    public let multiplyPlainMilliseconds: Double
    /// CKKS only (nil for BFV).
    public let rescaleMilliseconds: Double?
    /// Decrypt and decode values known to lie in [−1, 1] (CKKS: over the primes that hold them).
    public let decryptDecodeMilliseconds: Double
    /// Decrypt over every prime of the ciphertext and decode (what SEAL does).
    public let decryptDecodeFullModulusMilliseconds: Double
    /// CKKS only: decrypt over every prime and decode N values from the coefficients
    /// (`CKKSCoefficientEncoding`, what the aggregation codec does): twice SEAL's values per ciphertext.
    public let decryptDecodeCoefficientsMilliseconds: Double?
    public let ciphertextBytes: Int
}

/// Micro-benchmarks of one parameter set, medians over `iterations` runs.
public enum HEBenchmark {
    /// Milliseconds of `body`, by the monotonic clock.
    static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// - Parameters:
    ///   - threads: operations on single ciphertexts are timed on one thread; `threads` is
    ///     recorded and used by batch operations (the aggregation benchmark splits over it).
    /// - Throws: `HEParameterError` for an unsupported ring degree.
    public static func run(scheme: HEScheme, ringDegree: Int, threads: Int = 1, iterations: Int = 25) throws -> HEBenchmarkResult {
        let context = HEContext(parameters: try .standard(scheme: scheme, ringDegree: ringDegree))
        var rng = RandomStreams(seed: 2026).generator("bench/he")
        var keygen: [Double] = [], encrypt: [Double] = [], add: [Double] = [], addInPlace: [Double] = [], multiply: [Double] = []
        var rescale: [Double] = [], decrypt: [Double] = [], decryptFull: [Double] = [], decryptCoefficients: [Double] = []
        var secretKey = SecretKey(context: context, rng: &rng)
        var publicKey = PublicKey(secretKey: secretKey, context: context, rng: &rng)
        let slots = context.parameters.slotCount
        let values = (0..<slots).map { _ in rng.nextUnitDouble() * 2 - 1 }
        let integers = (0..<slots).map { _ in Int64(rng.nextBelow(1 << 20)) - (1 << 19) }
        var bytes = 0
        for _ in 0..<iterations {
            keygen.append(milliseconds {
                secretKey = SecretKey(context: context, rng: &rng)
                publicKey = PublicKey(secretKey: secretKey, context: context, rng: &rng)
            })
            var a: Ciphertext? = nil, b: Ciphertext? = nil
            switch scheme {
            case .ckks:
                let encoder = try CKKSEncoder(context: context)
                encrypt.append(try milliseconds {
                    let p = try encoder.encode(values)
                    a = context.encrypt(message: p.polynomial, scale: p.scale, publicKey: publicKey, rng: &rng)
                })
                let p = try encoder.encode(values)
                b = context.encrypt(message: p.polynomial, scale: p.scale, publicKey: publicKey, rng: &rng)
                let weights = context.prepareForMultiplication(try encoder.encode(values, scale: Double(context.moduli.last!.value)),
                                                               limbs: context.maximumLimbCount)
                var product: Ciphertext? = nil
                multiply.append(try milliseconds { product = try context.multiply(a!, byPlaintext: weights) })
                rescale.append(try milliseconds { _ = try context.rescale(product!) })
                decrypt.append(milliseconds { _ = encoder.decrypt(a!, secretKey: secretKey, valueBound: 1) })
                decryptFull.append(milliseconds { _ = encoder.decrypt(a!, secretKey: secretKey) })
                let coefficients = try CKKSCoefficientEncoding(context: context)
                decryptCoefficients.append(milliseconds {
                    _ = coefficients.decrypt(a!, secretKey: secretKey, count: ringDegree)
                })
            case .bfv:
                let encoder = try BFVEncoder(context: context)
                encrypt.append(try milliseconds { a = try encoder.encrypt(integers, publicKey: publicKey, rng: &rng) })
                b = try encoder.encrypt(integers, publicKey: publicKey, rng: &rng)
                let weights = try encoder.plaintextForMultiplication(integers.map { $0 & 0xFF })
                multiply.append(try milliseconds { _ = try context.multiply(a!, byPlaintext: weights) })
                decrypt.append(milliseconds { _ = encoder.decrypt(a!, secretKey: secretKey) })
                decryptFull.append(decrypt.last!)
            }
            add.append(try milliseconds { _ = try context.add(a!, b!) })
            addInPlace.append(try milliseconds { try context.addInPlace(&a!, b!) })
            bytes = HESerialization.byteCount(of: a!, context: context)
        }
        return HEBenchmarkResult(
            scheme: scheme.rawValue, ringDegree: ringDegree,
            modulusBits: context.parameters.coefficientModulusBits + context.parameters.specialModulusBits,
            threads: threads, iterations: iterations,
            keyGenerationMilliseconds: median(keygen), encryptMilliseconds: median(encrypt), addMilliseconds: median(add),
            addInPlaceMilliseconds: median(addInPlace),
            multiplyPlainMilliseconds: median(multiply), rescaleMilliseconds: rescale.isEmpty ? nil : median(rescale),
            decryptDecodeMilliseconds: median(decrypt), decryptDecodeFullModulusMilliseconds: median(decryptFull),
            decryptDecodeCoefficientsMilliseconds: decryptCoefficients.isEmpty ? nil : median(decryptCoefficients),
            ciphertextBytes: bytes)
    }
}
