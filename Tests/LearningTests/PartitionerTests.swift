import Foundation
import XCTest
@testable import Learning

final class PartitionerTests: XCTestCase {
    private let labels = Array(sharedMNIST.train.labels.prefix(6000))
    private let schemes: [PartitionScheme] = [.iid, .dirichlet(alpha: 0.5), .dirichlet(alpha: 0.05), .shards(shardsPerClient: 2)]

    private func split(_ scheme: PartitionScheme, clients: Int = 10, seed: String = "partition",
                       labels: [UInt8]? = nil) throws -> [[Int]] {
        var g = testGenerator(seed)
        return try Partitioner.partition(labels: labels ?? self.labels, clients: clients, scheme: scheme, generator: &g)
    }

    /// Mean over clients of the share of the client's most common label.
    private func dominantShare(_ parts: [[Int]]) -> Double {
        parts.map { part in
            var counts = [Int](repeating: 0, count: 10)
            for i in part { counts[Int(labels[i])] += 1 }
            return Double(counts.max()!) / Double(part.count)
        }.reduce(0, +) / Double(parts.count)
    }

    func testEverySchemeCoversEveryExampleExactlyOnceAndLeavesNoClientEmpty() throws {
        for scheme in schemes {
            for clients in [1, 7, 10, 100] {
                let parts = try split(scheme, clients: clients)
                XCTAssertEqual(parts.count, clients)
                XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(0..<labels.count), "\(scheme) \(clients)")
                XCTAssertTrue(parts.allSatisfy { !$0.isEmpty }, "\(scheme) \(clients)")
            }
        }
    }

    func testTinyAlphaWithManyClientsStillGivesEveryClientAnExample() throws {
        let parts = try split(.dirichlet(alpha: 0.01), clients: 200, labels: Array(labels.prefix(500)))
        XCTAssertTrue(parts.allSatisfy { !$0.isEmpty })
        XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(0..<500))
    }

    func testSameSeedSameSplitAndDifferentSeedDifferentSplit() throws {
        for scheme in schemes {
            XCTAssertEqual(try split(scheme), try split(scheme), "\(scheme)")
            XCTAssertNotEqual(try split(scheme), try split(scheme, seed: "other"), "\(scheme)")
        }
    }

    func testIIDPartsHaveEqualSizesAndBalancedLabels() throws {
        let parts = try split(.iid)
        XCTAssertTrue(parts.allSatisfy { $0.count == 600 })
        XCTAssertLessThan(dominantShare(parts), 0.16)
    }

    func testSmallAlphaProducesStrongLabelSkewAndLargeAlphaLittle() throws {
        let skewed = dominantShare(try split(.dirichlet(alpha: 0.05)))
        let mild = dominantShare(try split(.dirichlet(alpha: 100)))
        XCTAssertGreaterThan(skewed, 0.6)
        XCTAssertLessThan(mild, 0.2)
    }

    func testShardsGiveEachClientTwoSortedRunsOfAtMostFourLabels() throws {
        let parts = try split(.shards(shardsPerClient: 2))
        XCTAssertTrue(parts.allSatisfy { $0.count == 600 })
        for part in parts { XCTAssertLessThanOrEqual(Set(part.map { labels[$0] }).count, 4) }
        XCTAssertGreaterThan(dominantShare(parts), 0.45)
    }

    func testInvalidRequestsAreTypedErrors() {
        var g = testGenerator("bad")
        XCTAssertThrowsError(try Partitioner.partition(labels: [1, 2], clients: 3, scheme: .iid, generator: &g)) {
            XCTAssertEqual($0 as? PartitionError, .invalidClientCount(clients: 3, examples: 2))
        }
        XCTAssertThrowsError(try Partitioner.partition(labels: labels, clients: 3, scheme: .dirichlet(alpha: 0),
                                                       generator: &g)) {
            XCTAssertEqual($0 as? PartitionError, .invalidAlpha(0))
        }
        XCTAssertThrowsError(try Partitioner.partition(labels: [1, 2, 3], clients: 2, scheme: .shards(shardsPerClient: 2),
                                                       generator: &g))
    }

    func testApportionSumsToTotalAndFollowsLargestRemainders() {
        XCTAssertEqual(Partitioner.apportion(total: 10, proportions: [0.55, 0.25, 0.2]), [6, 2, 2])
        XCTAssertEqual(Partitioner.apportion(total: 7, proportions: [0.5, 0.5]), [4, 3])
    }

    func testGammaSamplerMatchesShapeMeanAndVariance() {
        var g = testGenerator("gamma")
        for shape in [0.3, 1.0, 2.5, 9.0] {
            let n = 40_000
            let draws = (0..<n).map { _ in ScalarMath.exp(GammaSampler.logGamma(shape: shape, &g)) }
            let mean = draws.reduce(0, +) / Double(n)
            let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
            // Gamma(a, 1) has mean a and variance a; tolerances are > 4 standard errors.
            XCTAssertEqual(mean, shape, accuracy: 4 * (shape / Double(n)).squareRoot() + 1e-3, "mean, shape \(shape)")
            XCTAssertEqual(variance, shape, accuracy: 0.06 * shape + 0.01, "variance, shape \(shape)")
        }
    }

    func testDoubleExpMatchesLibm() {
        for x in stride(from: -700.0, to: 700, by: 1.37) {
            XCTAssertEqual(ScalarMath.exp(x), Foundation.exp(x), accuracy: 3e-16 * Foundation.exp(x))
        }
    }
}
