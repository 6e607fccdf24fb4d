import Foundation
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
}
