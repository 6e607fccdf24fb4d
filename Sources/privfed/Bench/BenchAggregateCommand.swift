import ArgumentParser
import Foundation
import SecureComputation

/// `privfed bench aggregate`: one timed round of secure aggregation on random updates.
struct BenchAggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Time one secure-aggregation round, MPC or homomorphic (clients and server simulated in process).",
        discussion: """
            additive: each client splits its fixed-point update into additive shares for --holders \
            share-holders (n-of-n; uploads M−1 seeds and one vector).

            secagg: pairwise masks on the complete graph with Shamir-shared mask keys (Bonawitz et al. \
            2017). secagg+: the same on a sparse random graph of degree O(log n) (Bell et al. 2020). \
            --dropout drops that fraction of the clients after the key exchange, before they upload (the \
            costliest recovery).

            For the MPC schemes it reports wall and CPU time, bytes per client (sent + received), server \
            bytes, the threshold and the degree, and whether the sum equals the plaintext sum of the \
            survivors exactly.

            ckks, bfv: every client encrypts its update (N = 8192), the aggregator sums the ciphertexts \
            and applies the FedAvg weights, and the mean is decrypted — with one secret key, or with \
            --threshold by combining every client's smudged decryption share; reports total and per-client \
            encrypt time, bytes uploaded per client, bytes of decryption shares and bytes downloaded per \
            client (measured on the serialized blobs; --threshold sends the compact forms of docs/he.md), \
            and the max abs error vs the plaintext mean beside its worst-case bound.

            Build in release mode for meaningful figures: swift build -c release.
            """)

    /// MPC schemes (SecureComputation) and homomorphic ones (HomomorphicEncryption).
    enum Scheme: String, ExpressibleByArgument, CaseIterable {
        case additive
        case secagg
        case secaggPlus = "secagg+"
        case ckks
        case bfv
    }

    @Option(name: .long, help: "additive, secagg, secagg+, ckks or bfv.")
    var scheme: Scheme = .secaggPlus

    @Option(name: .long, help: "Clients in the round.")
    var clients: Int = 100

    @Option(name: .long, help: "Parameters per update (101,770 = the mnist mlp).")
    var parameters: Int = 101_770

    @Option(name: .long, help: "Fraction of clients that drop out, in [0, 1).")
    var dropout: Double = 0

    @Option(name: .long, help: "Worker threads.")
    var threads: Int = 2

    @Option(name: .long, help: "Share-holders for additive (2 or 3).")
    var holders: Int = 3

    @Option(name: .long, help: "SecAgg+ degree k (even); default: chosen from the dropout rate.")
    var neighbors: Int?

    @Flag(name: .long, help: "ckks/bfv: decrypt by combining every client's decryption share (the collective key), not with one secret key.")
    var threshold = false

    @Option(name: .long, help: "Seed of the random updates, keys and dropouts.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard clients >= 2 else { throw ValidationError("--clients must be at least 2") }
        guard parameters >= 1 else { throw ValidationError("--parameters must be at least 1") }
        guard (0..<1).contains(dropout) else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (2...3).contains(holders) else { throw ValidationError("--holders must be 2 or 3") }
        if neighbors != nil && scheme != .secaggPlus { throw ValidationError("--neighbors applies to --scheme secagg+ only") }
        if threshold && scheme != .ckks && scheme != .bfv { throw ValidationError("--threshold applies to --scheme ckks or bfv only") }
        if dropout > 0 && (scheme == .ckks || scheme == .bfv) {
            throw ValidationError("--dropout applies to the MPC schemes; threshold decryption needs every key holder")
        }
    }

    func run() throws {
        switch scheme {
        case .additive: try runSecureComputation(.additive)
        case .secagg: try runSecureComputation(.secagg)
        case .secaggPlus: try runSecureComputation(.secaggPlus)
        case .ckks, .bfv:
            try runHEAggregateBenchmark(scheme: scheme.rawValue, clients: clients, parameters: parameters, threads: threads,
                                        threshold: threshold, json: json)
        }
    }

    /// The MPC schemes (SecureComputation's benchmark).
    func runSecureComputation(_ mpc: SecureAggregationScheme) throws {
        let result = try SecureAggregationBenchmark.run(scheme: mpc, clients: clients, parameters: parameters, dropoutRate: dropout,
                                                        threads: threads, holders: holders, seed: seed, neighbors: neighbors)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        func mib(_ bytes: Double) -> String { String(format: "%.2f MiB", bytes / 1_048_576) }
        print("\(scheme.rawValue): \(result.clients) clients × \(result.parameters) parameters, dropout \(result.dropoutRate), \(result.threads) threads")
        print(String(format: "  total time        %8.3f s (wall)", result.totalSeconds))
        print(String(format: "  CPU time          %8.3f s (all threads)", result.cpuSeconds))
        print(String(format: "  recovery          %8.3f s (server reconstruction)", result.recoverySeconds))
        print("  bytes per client  \(mib(result.bytesPerClient)) (sent + received, mean); largest upload \(mib(Double(result.maxClientUploadBytes)))")
        print("  server bytes      \(mib(Double(result.serverBytes)))\(mpc == .additive ? " (share-holders' traffic)" : "")")
        if mpc == .additive {
            print("  share-holders     \(result.neighbors)")
        } else {
            print("  threshold t       \(result.threshold) of \(result.neighbors + 1) (neighbours k = \(result.neighbors))")
        }
        print("  included clients  \(result.includedClients)")
        print("  exact             \(result.exact ? "yes: the sum equals the plaintext sum of the survivors" : "NO")")
    }
}
