import XCTest
@testable import Learning

final class GEMMTests: XCTestCase {
    private enum Shape { case ab, atb, abt }

    /// Runs `multiply` and the naive reference on random data and compares bits.
    private func check(_ shape: Shape, m: Int, n: Int, k: Int, accumulate: Bool, threads: Int,
                       file: StaticString = #filePath, line: UInt = #line) -> [Float] {
        var g = testGenerator("gemm/\(shape)/\(m)/\(n)/\(k)")
        let a = uniformFloats(m * k, -1, 1, &g), b = uniformFloats(k * n, -1, 1, &g)
        let c0 = uniformFloats(m * n, -1, 1, &g)
        var fast = c0, slow = c0
        let workspace = GEMMWorkspace(threads: threads)
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let av: MatrixView, bv: MatrixView
                switch shape {
                case .ab:
                    av = MatrixView(ap.baseAddress!, rows: m, cols: k)
                    bv = MatrixView(bp.baseAddress!, rows: k, cols: n)
                case .atb:
                    av = MatrixView(ap.baseAddress!, rows: k, cols: m).transposed
                    bv = MatrixView(bp.baseAddress!, rows: k, cols: n)
                case .abt:
                    av = MatrixView(ap.baseAddress!, rows: m, cols: k)
                    bv = MatrixView(bp.baseAddress!, rows: n, cols: k).transposed
                }
                fast.withUnsafeMutableBufferPointer {
                    GEMM.multiply(av, bv, into: $0.baseAddress!, ldc: n, accumulate: accumulate,
                                  workspace: workspace, threads: threads)
                }
                slow.withUnsafeMutableBufferPointer {
                    GEMM.reference(av, bv, into: $0.baseAddress!, ldc: n, accumulate: accumulate)
                }
            }
        }
        XCTAssertEqual(fast.map(\.bitPattern), slow.map(\.bitPattern), "\(shape) \(m)x\(n)x\(k)", file: file, line: line)
        return fast
    }

    func testMultiplyMatchesNaiveLoopBitForBitOnAllTransposesAndEdgeTiles() {
        for (m, n, k) in [(1, 1, 1), (7, 17, 5), (13, 33, 300), (100, 20, 70), (6, 16, 256), (200, 40, 513)] {
            for shape in [Shape.ab, .atb, .abt] {
                for accumulate in [false, true] {
                    _ = check(shape, m: m, n: n, k: k, accumulate: accumulate, threads: 1)
                }
            }
        }
    }

    func testTwoThreadsGiveTheSameBitsAsOne() {
        // Large enough to pass the parallel threshold; one tall (split rows), one wide (split columns).
        for (m, n, k) in [(250, 30, 100), (20, 700, 60)] {
            let one = check(.abt, m: m, n: n, k: k, accumulate: true, threads: 1)
            let two = check(.abt, m: m, n: n, k: k, accumulate: true, threads: 2)
            XCTAssertEqual(one.map(\.bitPattern), two.map(\.bitPattern))
        }
    }

    func testEmptyInnerDimensionZeroesOrKeepsOutput() {
        let workspace = GEMMWorkspace(threads: 1)
        var c: [Float] = [1, 2, 3, 4]
        let empty: [Float] = [0]
        empty.withUnsafeBufferPointer { e in
            c.withUnsafeMutableBufferPointer { cp in
                let a = MatrixView(e.baseAddress!, rows: 2, cols: 0), b = MatrixView(e.baseAddress!, rows: 0, cols: 2)
                GEMM.multiply(a, b, into: cp.baseAddress!, ldc: 2, accumulate: true, workspace: workspace, threads: 1)
                XCTAssertEqual(Array(cp), [1, 2, 3, 4])
                GEMM.multiply(a, b, into: cp.baseAddress!, ldc: 2, accumulate: false, workspace: workspace, threads: 1)
                XCTAssertEqual(Array(cp), [0, 0, 0, 0])
            }
        }
    }
}
