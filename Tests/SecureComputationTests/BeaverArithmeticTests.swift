import Randomness
@testable import SecureComputation
import XCTest

final class BeaverArithmeticTests: XCTestCase {
    let f = 16
    var encoding: FixedPointEncoding { try! FixedPointEncoding(fractionalBits: f, maxSummands: 1 << 20) }

    func engine(_ seed: UInt8 = 1) -> TwoPartyComputation {
        TwoPartyComputation(fractionalBits: f, dealer: BeaverDealer(generator: ChaCha20Generator(key: [UInt8](repeating: seed, count: 32))))
    }

    func share(_ v: [UInt64], _ rows: Int, _ columns: Int, _ g: inout ChaCha20Generator) -> SharedMatrix {
        let s = AdditiveSecretSharing.shareExplicitly(v, holders: 2, using: &g)
        return SharedMatrix(rows: rows, columns: columns, share0: s[0], share1: s[1])
    }

    func testBeaverMatrixProductIsExactOverTheRing() {
        var g = ChaCha20Generator(key: [UInt8](repeating: 2, count: 32))
        let (m, k, n) = (4, 9, 5)
        let x = (0..<(m * k)).map { _ in g.next() }, y = (0..<(k * n)).map { _ in g.next() }
        var e = engine()
        let z = e.multiply(share(x, m, k, &g), share(y, k, n, &g)).reconstruct()
        // Independent reference: the schoolbook triple loop.
        for i in 0..<m { for j in 0..<n {
            var acc: UInt64 = 0
            for p in 0..<k { acc &+= x[i * k + p] &* y[p * n + j] }
            XCTAssertEqual(z[i * n + j], acc)
        } }
        XCTAssertEqual(e.statistics.matrixTriples, 1)
        XCTAssertEqual(e.statistics.bytesExchanged, 16 * (m * k + k * n))
    }

    func testFixedPointBeaverProductEqualsPlaintextWithinTheFixedPointError() throws {
        var g = ChaCha20Generator(key: [UInt8](repeating: 3, count: 32))
        let (m, k, n) = (6, 50, 7)
        let x = (0..<(m * k)).map { _ in g.nextUnitDouble() * 8 - 4 }, y = (0..<(k * n)).map { _ in g.nextUnitDouble() * 2 - 1 }
        var e = engine()
        let z = encoding.decode(e.multiplyFixedPoint(share(try encoding.encode(x), m, k, &g), share(try encoding.encode(y), k, n, &g)).reconstruct())
        // Error budget: inputs rounded to 2^−(f+1) each (k terms, |x| ≤ 4, |y| ≤ 1) plus the
        // truncation's one unit 2^−f.
        let bound = Double(k) * (4 + 1) * 0x1p-17 + 0x1p-16 + 1e-12
        var worst = 0.0
        for i in 0..<m { for j in 0..<n {
            let exact = (0..<k).reduce(0.0) { $0 + x[i * k + $1] * y[$1 * n + j] }
            worst = max(worst, abs(z[i * n + j] - exact))
        } }
        XCTAssertLessThanOrEqual(worst, bound)
    }

    func testProbabilisticTruncationIsOffByAtMostOneUnit() throws {
        var g = ChaCha20Generator(key: [UInt8](repeating: 4, count: 32))
        let values: [Int64] = (0..<5000).map { _ in Int64(bitPattern: g.next()) >> 24 }  // |x| < 2^39
        let shared = share(values.map { UInt64(bitPattern: $0) }, 1, values.count, &g)
        let t = engine().truncate(shared).reconstruct()
        for (v, r) in zip(values, t) {
            let floor = v >> Int64(f)
            XCTAssertTrue(Int64(bitPattern: r) == floor || Int64(bitPattern: r) == floor + 1, "\(v)")
        }
    }

    func testSecureComparisonMatchesTheSignForRandomAndEdgeValues() {
        var g = ChaCha20Generator(key: [UInt8](repeating: 5, count: 32))
        var values: [UInt64] = [0, 1, UInt64.max, 1 << 63, (1 << 63) - 1, (1 << 63) + 1, 1 << 62, UInt64.max - (1 << 62)]
        values += (0..<3000).map { _ in g.next() }
        values += (0..<1000).map { _ in UInt64(bitPattern: Int64(bitPattern: g.next()) >> 40) }  // small magnitudes
        var e = engine()
        let bits = e.nonNegativeBits(share(values, 1, values.count, &g)).reconstruct()
        for (v, b) in zip(values, bits) { XCTAssertEqual(b & 1, Int64(bitPattern: v) >= 0 ? 1 : 0, "\(Int64(bitPattern: v))") }
        XCTAssertEqual(e.statistics.andTripleWords, 13 * values.count)
    }

    func testBooleanToArithmeticConversionAndReLUAreExact() {
        var g = ChaCha20Generator(key: [UInt8](repeating: 6, count: 32))
        let values: [UInt64] = (0..<2000).map { _ in UInt64(bitPattern: Int64(bitPattern: g.next()) >> 20) }
        var e = engine()
        let x = share(values, 1, values.count, &g)
        let relu = e.relu(x).reconstruct()
        for (v, r) in zip(values, relu) { XCTAssertEqual(Int64(bitPattern: r), max(0, Int64(bitPattern: v))) }
        let bits = SharedBits(share0: (0..<64).map { _ in g.next() }, share1: (0..<64).map { _ in g.next() })
        let arith = e.arithmetic(bits).reconstruct()
        XCTAssertEqual(arith, bits.reconstruct().map { $0 & 1 })
    }

    /// Plaintext 784-128-10 forward pass in double precision: the independent reference.
    func plaintextLogits(_ p: [Float], _ x: [Float], rows: Int, layout: MLPLayout) -> [[Double]] {
        (0..<rows).map { r in
            var h = (0..<layout.hidden).map { Double(p[layout.b1.lowerBound + $0]) }
            for i in 0..<layout.inputs where x[r * layout.inputs + i] != 0 {
                for j in 0..<layout.hidden { h[j] += Double(x[r * layout.inputs + i]) * Double(p[i * layout.hidden + j]) }
            }
            h = h.map { max(0, $0) }
            return (0..<layout.outputs).map { c in
                (0..<layout.hidden).reduce(Double(p[layout.b2.lowerBound + c])) { $0 + h[$1] * Double(p[layout.w2.lowerBound + $1 * layout.outputs + c]) }
            }
        }
    }

    func argmax(_ v: [Double]) -> Int { v.indices.max { v[$0] < v[$1] }! }

    func testSecureForwardPassMatchesPlaintextArgmaxAndRevealsTheCorrectCount() throws {
        let layout = MLPLayout.mnist, rows = 1000
        var g = ChaCha20Generator(key: [UInt8](repeating: 7, count: 32))
        // Weights at the scale of an initialised/trained mlp; MNIST-like inputs: ~80% zero pixels.
        var params = (0..<layout.parameterCount).map { _ in Float(g.nextUnitDouble() * 0.2 - 0.1) }
        for i in layout.w2 { params[i] *= 3 }
        let images = (0..<(rows * layout.inputs)).map { _ in g.nextUnitDouble() < 0.8 ? Float(0) : g.nextUnitFloat() }
        let plain = plaintextLogits(params, images, rows: rows, layout: layout)
        let predicted = plain.map(argmax)
        // Labels: the plaintext prediction for 70% of examples, another class otherwise.
        let labels = predicted.enumerated().map { $0.offset % 10 < 7 ? $0.element : ($0.element + 1 + $0.offset % 9) % 10 }
        let evaluation = SecureMLPEvaluation(layout: layout, fractionalBits: 16, threads: 2)
        let streams = RandomStreams(seed: 1991).scoped("beaver-test")
        let (batches, _) = try evaluation.sharedLogits(parameters: params, images: images, labels: labels, batchSize: 500,
                                                        streams: streams) { _, z, _ in z.reconstruct() }
        let decoded = batches.flatMap { $0.0 }.map { Double(Int64(bitPattern: $0)) * 0x1p-16 }
        var agree = 0, worst = 0.0
        for r in 0..<rows {
            let secure = Array(decoded[(r * 10)..<(r * 10 + 10)])
            if argmax(secure) == predicted[r] { agree += 1 }
            worst = max(worst, zip(secure, plain[r]).map { abs($0 - $1) }.max()!)
        }
        XCTAssertGreaterThanOrEqual(Double(agree) / Double(rows), 0.999)
        XCTAssertLessThan(worst, 0.01, "secure logits stay within the fixed-point error of plaintext")
        let result = try evaluation.evaluate(parameters: params, images: images, labels: labels, batchSize: 500, streams: streams)
        let plainCorrect = zip(predicted, labels).filter { $0 == $1 }.count
        XCTAssertEqual(result.total, rows)
        XCTAssertLessThanOrEqual(abs(result.correct - plainCorrect), 1, "accuracy within 0.1 points")
        XCTAssertEqual(result.statistics.matrixTriples, 4)
        XCTAssertGreaterThan(result.statistics.triplesConsumed, rows * layout.hidden)
        print("secure_evaluate \(rows) examples: correct \(result.correct) (plaintext \(plainCorrect)), agree \(agree), "
            + "max logit error \(worst), triples \(result.statistics.triplesConsumed), bytes \(result.statistics.bytesExchanged), "
            + "dealer bytes \(result.statistics.dealerBytes), rounds \(result.statistics.rounds)")
    }
}
