import ArgumentParser
import Foundation
import HomomorphicEncryption

/// `privfed bench he`: micro-benchmarks of one HE parameter set.
struct BenchHECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "he",
        abstract: "Time the homomorphic-encryption primitives at one parameter set.",
        discussion: """
            Reports medians of key generation, encode+encrypt, add, multiply by a plaintext, rescale \
            (CKKS) and decrypt+decode of one ciphertext, and the serialized ciphertext size, for the \
            standard parameters of the ring degree (CKKS N = 8192: primes [60, 40, 40, 60], scale 2^40).

            Build in release mode for meaningful figures: swift build -c release.
            """)

    @Option(name: .long, help: "ckks or bfv.")
    var scheme: String = "ckks"

    @Option(name: .customLong("ring-degree"), help: "N: 4096, 8192, 16384 or 32768.")
    var ringDegree: Int = 8192

    @Option(name: .long, help: "Worker threads recorded with the result (single-ciphertext operations run on one).")
    var threads: Int = 1

    @Option(name: .long, help: "Repetitions per operation (the median is reported).")
    var iterations: Int = 25

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard HEScheme(rawValue: scheme.lowercased()) != nil else { throw ValidationError("--scheme must be ckks or bfv, got \(scheme)") }
        guard [4096, 8192, 16384, 32768].contains(ringDegree) else {
            throw ValidationError("--ring-degree must be 4096, 8192, 16384 or 32768, got \(ringDegree)")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
    }

    func run() throws {
        let result = try HEBenchmark.run(scheme: HEScheme(rawValue: scheme.lowercased())!, ringDegree: ringDegree,
                                         threads: threads, iterations: iterations)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        func ms(_ x: Double) -> String { String(format: "%8.3f ms", x) }
        print("\(result.scheme.uppercased()) N=\(result.ringDegree) moduli \(result.modulusBits) bits, median of \(result.iterations)")
        print("  key generation   \(ms(result.keyGenerationMilliseconds))")
        print("  encode+encrypt   \(ms(result.encryptMilliseconds))")
        print("  add              \(ms(result.addMilliseconds))  (in place: \(ms(result.addInPlaceMilliseconds)))")
        print("  multiply plain   \(ms(result.multiplyPlainMilliseconds))")
        if let r = result.rescaleMilliseconds { print("  rescale          \(ms(r))") }
        print("  decrypt+decode   \(ms(result.decryptDecodeMilliseconds))  (values in [-1, 1]; all primes: \(ms(result.decryptDecodeFullModulusMilliseconds)))")
        if let c = result.decryptDecodeCoefficientsMilliseconds {
            print("  decrypt+decode   \(ms(c))  (all primes, N values from the coefficients, as the aggregation codec)")
        }
        print("  ciphertext       \(result.ciphertextBytes) bytes")
    }
}
