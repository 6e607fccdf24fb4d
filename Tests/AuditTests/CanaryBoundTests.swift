import Foundation
import XCTest
@testable import DifferentialPrivacy
@testable import Pipeline
import ResultsStore

/// The one-run audit's arithmetic checked against values computed another way: closed forms,
/// binomial probabilities by Pascal's recurrence instead of log-gamma, and hand-built encodings.
final class CanaryBoundTests: XCTestCase {
    /// P[Binomial(n, p) = k] for k = 0…n by adding one trial at a time (no factorials, no logs).
    func pascal(_ n: Int, _ p: Double) -> [Double] {
        var dist = [1.0]
        for _ in 0..<n {
            var next = [Double](repeating: 0, count: dist.count + 1)
            for (k, mass) in dist.enumerated() {
                next[k] += mass * (1 - p)
                next[k + 1] += mass * p
            }
            dist = next
        }
        return dist
    }

    /// Theorem 3 of Steinke, Nasr, Jagielski (arXiv 2305.08846) as the paper writes it, from Pascal's
    /// distribution: f(v) + 2mδ · max_{i ∈ {1,…,m}} (f(v − i) − f(v)) / i with f(x) = P[Binomial(r, p) ≥ x].
    /// The maximum runs over all m as in the paper (the library stops at i = v, where f(v − i) reaches
    /// 1; this checks that the shortcut loses nothing).
    func bruteForcePValue(m: Int, r: Int, v: Int, epsilon: Double, delta: Double) -> Double {
        let p = exp(epsilon) / (exp(epsilon) + 1)
        let dist = pascal(r, p)
        var tails = [Double](repeating: 0, count: r + 2)   // tails[x] = P[Binomial(r, p) ≥ x]
        for x in stride(from: r, through: 0, by: -1) { tails[x] = tails[x + 1] + dist[x] }
        func f(_ x: Int) -> Double { x <= 0 ? 1 : (x > r ? 0 : tails[x]) }
        var worst = 0.0
        for i in 1...m {
            worst = max(worst, (f(v - i) - f(v)) / Double(i))
        }
        return min(1, f(v) + 2 * Double(m) * delta * worst)
    }

    func testPValueMatchesPascalBinomial() {
        for (m, r, v) in [(1000, 100, 80), (1000, 500, 330), (200, 20, 20), (50, 50, 31), (1000, 1000, 900)] {
            for epsilon in [0.0, 0.5, 1, 2.5, 4] {
                for delta in [0, 1e-5, 1e-3] {
                    let ours = OneRunAuditBound.pValue(canaries: m, guesses: r, correct: v, epsilon: epsilon, delta: delta)
                    let reference = bruteForcePValue(m: m, r: r, v: v, epsilon: epsilon, delta: delta)
                    XCTAssertEqual(ours, reference, accuracy: 1e-12 + 1e-9 * reference, "m \(m) r \(r) v \(v) ε \(epsilon) δ \(delta)")
                }
            }
        }
    }

    /// With δ = 0 and every guess right, P[W ≥ r] = p^r, so ε_LB solves p^r = α in closed form:
    /// p = α^(1/r), ε = log(p / (1 − p)).
    func testPerfectGuessesMatchClosedForm() {
        for r in [10, 50, 100, 500] {
            let p = pow(0.05, 1 / Double(r))
            let expected = log(p / (1 - p))
            let bound = OneRunAuditBound.epsilonLowerBound(canaries: 1000, guesses: r, correct: r, delta: 0, significance: 0.05)
            XCTAssertEqual(bound, expected, accuracy: 1e-7, "r = \(r)")
        }
        // 100 of 100 right: ε_LB = 3.4930 (the closed form evaluated separately in Python).
        XCTAssertEqual(OneRunAuditBound.epsilonLowerBound(canaries: 1000, guesses: 100, correct: 100, delta: 0, significance: 0.05),
                       3.49297, accuracy: 1e-4)
    }

    /// ε_LB from a separate Python evaluation of the theorem (exact binomial coefficients with
    /// math.comb, bisection to 2^-100): get_eps(m, r, v, δ, α).
    func testLowerBoundMatchesIndependentPythonValues() {
        let cases: [(m: Int, r: Int, v: Int, delta: Double, alpha: Double, expected: Double)] = [
            (1000, 100, 90, 1e-5, 0.05, 1.6261434806957262),
            (1000, 600, 600, 1e-5, 0.05, 5.270399463514697),
            (1000, 500, 400, 0, 0.0125, 1.134794210616792),
            (200, 100, 95, 1e-5, 0.0125, 1.963038701647471),
        ]
        for c in cases {
            let ours = OneRunAuditBound.epsilonLowerBound(canaries: c.m, guesses: c.r, correct: c.v, delta: c.delta, significance: c.alpha)
            XCTAssertEqual(ours, c.expected, accuracy: 1e-7, "\(c)")
        }
    }

    /// ε_LB from the paper's own procedure (Appendix D of arXiv 2305.08846: scipy.stats.binom, the
    /// δ term 2mδ · max_i P[v − i ≤ Binomial < v] / i, bisection), evaluated in Python with SciPy 1.17.
    /// The δ values are large enough that the δ term moves the bound (compare δ = 0 in the last line).
    func testLowerBoundMatchesThePapersAppendixD() {
        let cases: [(m: Int, r: Int, v: Int, delta: Double, expected: Double)] = [
            (1000, 200, 170, 1e-3, 0.8898727240697228),
            (1000, 1000, 700, 1e-5, 0.7317404494186919),
            (5000, 400, 330, 1e-4, 1.2714207985309172),
        ]
        for c in cases {
            let ours = OneRunAuditBound.epsilonLowerBound(canaries: c.m, guesses: c.r, correct: c.v, delta: c.delta, significance: 0.05)
            XCTAssertEqual(ours, c.expected, accuracy: 1e-7, "\(c)")
        }
        XCTAssertGreaterThan(OneRunAuditBound.epsilonLowerBound(canaries: 1000, guesses: 200, correct: 170, delta: 0, significance: 0.05),
                             0.8898727240697228 + 0.01)
    }

    func testBoundIsTheEdgeOfRejection() {
        let (m, r, v, delta) = (1000, 200, 170, 1e-5)
        let bound = OneRunAuditBound.epsilonLowerBound(canaries: m, guesses: r, correct: v, delta: delta, significance: 0.05)
        XCTAssertGreaterThan(bound, 0.5)
        XCTAssertLessThan(bruteForcePValue(m: m, r: r, v: v, epsilon: bound, delta: delta), 0.05)
        XCTAssertGreaterThanOrEqual(bruteForcePValue(m: m, r: r, v: v, epsilon: bound + 1e-6, delta: delta), 0.05)
        // δ can only weaken the bound.
        XCTAssertLessThanOrEqual(bound, OneRunAuditBound.epsilonLowerBound(canaries: m, guesses: r, correct: v, delta: 0, significance: 0.05))
    }

    func testChanceLevelGuessingProvesNothing() {
        XCTAssertEqual(OneRunAuditBound.epsilonLowerBound(canaries: 1000, guesses: 500, correct: 250, delta: 0, significance: 0.05), 0)
        XCTAssertEqual(OneRunAuditBound.epsilonLowerBound(canaries: 1000, guesses: 100, correct: 55, delta: 1e-5, significance: 0.05), 0)
    }

    func testGuessesTakeHighestAndLowestScoresAndAbstainOnTheRest() {
        let scores = [0.3, -2, 5, 0.3, -7, 1]
        // Ranked: canary 2 (5), 5 (1), 0 (0.3), 3 (0.3), 1 (−2), 4 (−7).
        XCTAssertEqual(OneRunAudit.guesses(scores: scores, included: 2, excluded: 2), [0, -1, 1, 0, -1, 1])
        // Ties rank by canary index: canary 0 before canary 3.
        XCTAssertEqual(OneRunAudit.guesses(scores: scores, included: 4, excluded: 0), [1, 0, 1, 1, 0, 1])
        let mask = [true, false, true, false, true, true]
        let game = OneRunAudit.evaluate(scores: scores, mask: mask, guessTotals: [4, 6], delta: 0, confidence: 0.95)
        // r = 4: +canary 2 (in), +canary 5 (in), −canary 4 (in: wrong), −canary 1 (out) → 3 correct.
        XCTAssertEqual(game.all[0].correct, 3)
        // r = 6: + on 2, 5, 0 (all in); − on 4 (in: wrong), 1, 3 (out) → 5 correct.
        XCTAssertEqual(game.all[1].correct, 5)
        XCTAssertEqual(game.all[1].guessedIncluded, 3)
    }

    /// The union bound: with several budgets each is tested at α / count, so the best of the
    /// family is never above the same observation tested alone.
    func testBonferroniCorrectionOverBudgets() {
        let scores = (0..<200).map { Double($0) }
        let mask = (0..<200).map { $0 >= 100 }   // perfectly separable
        let alone = OneRunAudit.evaluate(scores: scores, mask: mask, guessTotals: [100], delta: 0, confidence: 0.95)
        let family = OneRunAudit.evaluate(scores: scores, mask: mask, guessTotals: [20, 40, 100, 200], delta: 0, confidence: 0.95)
        XCTAssertEqual(alone.best.correct, 100)
        let corrected = OneRunAuditBound.epsilonLowerBound(canaries: 200, guesses: 100, correct: 100, delta: 0, significance: 0.05 / 4)
        XCTAssertEqual(family.all[2].epsilonLowerBound, corrected, accuracy: 1e-12)
        XCTAssertLessThan(family.all[2].epsilonLowerBound, alone.best.epsilonLowerBound)
        XCTAssertEqual(family.best.guesses, 200)
        XCTAssertEqual(OneRunAudit.defaultGuessTotals(canaries: 1000), [100, 200, 500, 1000])
    }

    /// The commitment is SHA-256 over the documented byte layout, built here by hand.
    func testCommitmentIsSHA256OfTheDocumentedEncoding() {
        let salt: [UInt8] = Array(0..<32)
        var bytes = Array("privfed.canaries.v1".utf8) + [0, 2, 0, 0, 0]
        bytes += [0x60, 0xEA, 0, 0, 7, 1]     // image 60000 − 40000 = 0xEA60, label 7, included
        bytes += [0x61, 0xEA, 0, 0, 3, 0]     // image 0xEA61, label 3, excluded
        let expected = Digest.sha256Hex(bytes + salt)
        XCTAssertEqual(CanaryCommitment.digest(imageIndices: [0xEA60, 0xEA61], labels: [7, 3], mask: [true, false], salt: salt), expected)
        XCTAssertNotEqual(CanaryCommitment.digest(imageIndices: [0xEA60, 0xEA61], labels: [7, 3], mask: [false, false], salt: salt), expected)
        XCTAssertEqual(CanaryCommitment.mask(fromText: "1001"), [true, false, false, true])
        XCTAssertNil(CanaryCommitment.mask(fromText: "10x1"))
        XCTAssertEqual(CanaryCommitment.bytes(fromHex: CanaryCommitment.hex(salt)), salt)
    }
}
