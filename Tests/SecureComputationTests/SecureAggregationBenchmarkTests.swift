import Foundation
import Randomness
@testable import SecureComputation
import XCTest

final class SecureAggregationBenchmarkTests: XCTestCase {
    func testEverySchemeReconstructsTheExactPlaintextSumAtSmallSize() throws {
        for scheme in SecureAggregationScheme.allCases {
            let r = try SecureAggregationBenchmark.run(scheme: scheme, clients: 12, parameters: 300, dropoutRate: 0.2, threads: 2)
            XCTAssertTrue(r.exact, "\(scheme)")
            XCTAssertEqual(r.includedClients, 10, "\(scheme)")
            XCTAssertGreaterThan(r.maxClientUploadBytes, 8 * 300, "\(scheme): at least one full vector per client")
        }
    }

    /// The figure: `PRIVFED_BENCH=1 swift test -c release -Xswiftc -enable-testing
    /// --filter SecureAggregationBenchmarkTests`. Skipped otherwise (too big for the unit-test budget).
    func testFullSizeRoundFigures() throws {
        guard ProcessInfo.processInfo.environment["PRIVFED_BENCH"] == "1" else { throw XCTSkip("set PRIVFED_BENCH=1") }
        for (scheme, k) in [(SecureAggregationScheme.secaggPlus, nil), (.secaggPlus, 20), (.secagg, nil), (.additive, nil)] {
            let r = try SecureAggregationBenchmark.run(scheme: scheme, clients: 100, parameters: 101_770, dropoutRate: 0.2,
                                                       threads: 2, neighbors: k)
            print("BENCH \(scheme.rawValue): total \(r.totalSeconds) s, cpu \(r.cpuSeconds) s, recovery \(r.recoverySeconds) s, k=\(r.neighbors) t=\(r.threshold), "
                + "bytes/client \(Int(r.bytesPerClient)), max upload \(r.maxClientUploadBytes), server \(r.serverBytes), exact \(r.exact)")
            XCTAssertTrue(r.exact)
        }
    }

    /// Secure evaluation cost at MNIST scale (784-128-10, 2,000 examples, 2 threads), same switch.
    func testSecureEvaluationFigures() throws {
        guard ProcessInfo.processInfo.environment["PRIVFED_BENCH"] == "1" else { throw XCTSkip("set PRIVFED_BENCH=1") }
        let layout = MLPLayout.mnist, rows = 2000
        var g = ChaCha20Generator(key: [UInt8](repeating: 1, count: 32))
        let params = (0..<layout.parameterCount).map { _ in Float(g.nextUnitDouble() * 0.2 - 0.1) }
        let images = (0..<(rows * layout.inputs)).map { _ in g.nextUnitDouble() < 0.8 ? Float(0) : g.nextUnitFloat() }
        let labels = (0..<rows).map { _ in Int(g.nextBelow(10)) }
        let cpu0 = processCPUSeconds(), clock = ContinuousClock(), start = clock.now
        let r = try SecureMLPEvaluation(layout: layout, threads: 2)
            .evaluate(parameters: params, images: images, labels: labels, streams: RandomStreams(seed: 3).scoped("eval"))
        print("BENCH secure_evaluate \(rows) examples: wall \(clock.now - start), cpu \(processCPUSeconds() - cpu0) s, "
            + "triples \(r.statistics.triplesConsumed) (matrix \(r.statistics.matrixTriples), element \(r.statistics.elementTriples), "
            + "AND words \(r.statistics.andTripleWords)), exchanged \(r.statistics.bytesExchanged) B, dealer \(r.statistics.dealerBytes) B, "
            + "rounds \(r.statistics.rounds)")
    }
}
