import Randomness
@testable import SecureComputation
import XCTest

/// What the honest-but-curious aggregator and any t − 1 colluders see reveals nothing about one
/// client's input: masked inputs, t − 1 Shamir shares and M − 1 additive shares are uniform
/// whatever the secret (Bonawitz et al. 2017: the simulator of their security proof outputs uniform masked
/// inputs; Shamir 1979). Checked by chi-square tests whose critical values (p = 10⁻⁶) come from
/// the Wilson–Hilferty approximation, so a correct implementation fails about once in a million runs.
final class SecureAggregationSecurityTests: XCTestCase {
    /// The upper 1 − 10⁻⁶ quantile of χ²(df) by Wilson–Hilferty (z = 4.753 for one-sided 10⁻⁶).
    func chiSquareCritical(_ df: Int) -> Double {
        let d = Double(df), z = 4.753
        let a = 2 / (9 * d)
        return d * pow(1 - a + z * a.squareRoot(), 3)
    }

    /// Pearson's statistic of `counts` against the uniform distribution.
    func uniformityStatistic(_ counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +)), expected = total / Double(counts.count)
        return counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
    }

    /// Pearson's statistic of homogeneity between two histograms with equal totals.
    func homogeneityStatistic(_ a: [Int], _ b: [Int]) -> Double {
        zip(a, b).reduce(0.0) { acc, pair in
            let sum = Double(pair.0 + pair.1)
            return sum == 0 ? acc : acc + pow(Double(pair.0 - pair.1), 2) / sum
        }
    }

    func histogram(_ values: [UInt64], bins: Int, _ bin: (UInt64) -> Int) -> [Int] {
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[bin(v)] += 1 }
        return counts
    }

    /// The masked input y_0 the server receives from client 0 of a 4-client round, before unmasking.
    func serverViewOfClientZero(input: [UInt64], seed: UInt64) throws -> [UInt64] {
        let n = 4
        let config = try SecAggConfiguration.secAgg(clients: n, parameters: input.count, threshold: 3)
        let streams = RandomStreams(seed: seed).scoped("view")
        var g = streams.generator("graph")
        let graph = SecAggGraph(configuration: config, using: &g)
        var gens = (0..<n).map { streams.generator("client/\($0)") }
        var clients = (0..<n).map { SecAggClient(id: $0, configuration: config, graph: graph, using: &gens[$0]) }
        var server = SecAggServer(configuration: config, graph: graph)
        let dirs = try server.collectKeys(clients.map { $0.advertiseKeys() })
        let shares = try (0..<n).map { try clients[$0].shareKeys(dirs[$0]!, using: &gens[$0]) }
        let routed = try server.routeShares(shares)
        return try clients[0].maskedInput(input, routedShares: routed[0]!).maskedInput
    }

    func testServersViewOfAMaskedInputIsUniformAndIndependentOfTheInput() throws {
        let length = 1 << 15
        let encoding = try FixedPointEncoding(fractionalBits: 24, maxSummands: 4)
        let zeros = [UInt64](repeating: 0, count: length)
        // A very different input: the largest encodable magnitude, alternating in sign.
        let extreme = try encoding.encode((0..<length).map { $0 % 2 == 0 ? encoding.maxMagnitude : -encoding.maxMagnitude })
        let viewA = try serverViewOfClientZero(input: zeros, seed: 1)
        let viewB = try serverViewOfClientZero(input: extreme, seed: 2)
        for (name, bin) in [("high byte", { (v: UInt64) in Int(v >> 56) }), ("low byte", { (v: UInt64) in Int(v & 0xff) }),
                            ("sign bit and bits 40-46", { (v: UInt64) in Int(v >> 63) << 7 | Int((v >> 40) & 0x7f) })] {
            let a = histogram(viewA, bins: 256, bin), b = histogram(viewB, bins: 256, bin)
            XCTAssertLessThan(uniformityStatistic(a), chiSquareCritical(255), "zero input, \(name)")
            XCTAssertLessThan(uniformityStatistic(b), chiSquareCritical(255), "extreme input, \(name)")
            XCTAssertLessThan(homogeneityStatistic(a, b), chiSquareCritical(255), "zero vs extreme, \(name)")
        }
        // Sanity check that the test can fail: the unmasked inputs are far from uniform.
        XCTAssertGreaterThan(uniformityStatistic(histogram(extreme, bins: 256) { Int($0 >> 56) }), chiSquareCritical(255))
    }

    func testAnyTMinusOneShamirSharesAreUniformWhateverTheSecret() throws {
        let trials = 20_000
        let shamir = try ShamirSecretSharing(threshold: 3)
        var g = ChaCha20Generator(key: [UInt8](repeating: 21, count: 32))
        var histograms: [[Int]] = []
        for secret: UInt64 in [0, MersennePrimeField.modulus - 1] {
            var counts = [Int](repeating: 0, count: 256)
            for _ in 0..<trials {
                let shares = try shamir.share([secret], at: [1, 2, 3, 4, 5], using: &g)
                // Two (= t − 1) shares, at points 2 and 5: their joint top nibbles (values < 2^61).
                let a = Int(shares[1].values[0] >> 57), b = Int(shares[4].values[0] >> 57)
                counts[a << 4 | b] += 1
            }
            XCTAssertLessThan(uniformityStatistic(counts), chiSquareCritical(255), "secret \(secret)")
            histograms.append(counts)
        }
        XCTAssertLessThan(homogeneityStatistic(histograms[0], histograms[1]), chiSquareCritical(255))
        // With t shares the secret is determined: three shares of secret 0 always interpolate to 0.
        let full = try shamir.share([0], at: [1, 2, 3], using: &g)
        XCTAssertEqual(try shamir.reconstruct(full), [0])
    }

    func testAdditiveSharesOfAFixedSecretAreUniform() {
        let length = 1 << 14
        var g = ChaCha20Generator(key: [UInt8](repeating: 22, count: 32))
        for secret in [[UInt64](repeating: 0, count: length), [UInt64](repeating: 0x7fff_ffff_ffff_ffff, count: length)] {
            let seeded = AdditiveSecretSharing.share(secret, holders: 3, using: &g)
            let explicit = AdditiveSecretSharing.shareExplicitly(secret, holders: 3, using: &g)
            // Each of the M − 1 = 2 shares a coalition of two holders could see, both halves.
            for (name, share) in [("seed share", seeded[0].expanded()), ("correction vector", seeded[2].expanded()),
                                  ("explicit share", explicit[1]), ("explicit last", explicit[2])] {
                for bin in [{ (v: UInt64) in Int(v >> 56) }, { (v: UInt64) in Int(v & 0xff) }] {
                    XCTAssertLessThan(uniformityStatistic(histogram(share, bins: 256, bin)), chiSquareCritical(255), name)
                }
            }
            // Two holders' shares jointly: top nibbles of the seed share and the correction vector.
            let s0 = seeded[0].expanded(), s2 = seeded[2].expanded()
            var joint = [Int](repeating: 0, count: 256)
            for i in 0..<length { joint[Int(s0[i] >> 60) << 4 | Int(s2[i] >> 60)] += 1 }
            XCTAssertLessThan(uniformityStatistic(joint), chiSquareCritical(255))
        }
    }
}
