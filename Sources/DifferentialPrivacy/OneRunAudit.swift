/// The auditor's side of the one-run audit (Steinke, Nasr, Jagielski 2023, Algorithm 1 and §7):
/// rank the canaries by a membership score computed from the trained model, guess "included" for
/// the k+ highest scores and "excluded" for the k− lowest, abstain on the rest, and turn the
/// number of correct guesses into ε_LB with `OneRunAuditBound`.
///
/// The paper tries several guess budgets and reports the best. A bound chosen after looking at
/// the outcomes is only valid with a correction, so every budget in `guessTotals` is tested at
/// significance α / |guessTotals| (Bonferroni): the largest ε_LB of the family then holds at
/// confidence 1 − α. A single pre-registered budget needs no correction.
public enum OneRunAudit {
    /// One guess budget and what it found.
    public struct Outcome: Codable, Sendable, Equatable {
        /// r = k+ + k−, the guesses made.
        public var guesses: Int
        /// k+: canaries guessed included (the highest scores).
        public var guessedIncluded: Int
        /// k−: canaries guessed excluded (the lowest scores).
        public var guessedExcluded: Int
        /// v: guesses that match the mask.
        public var correct: Int
        /// ε_LB of this budget at the family's corrected significance.
        public var epsilonLowerBound: Double

        public init(guesses: Int, guessedIncluded: Int, guessedExcluded: Int, correct: Int, epsilonLowerBound: Double) {
            self.guesses = guesses; self.guessedIncluded = guessedIncluded; self.guessedExcluded = guessedExcluded
            self.correct = correct; self.epsilonLowerBound = epsilonLowerBound
        }
    }

    /// Guesses for canaries with `scores` (higher = more likely included): +1 for the `included`
    /// highest, −1 for the `excluded` lowest, 0 (abstain) otherwise. Equal scores are ranked by
    /// canary index, so the guesses are a function of the scores alone.
    public static func guesses(scores: [Double], included: Int, excluded: Int) -> [Int8] {
        precondition(included >= 0 && excluded >= 0 && included + excluded <= scores.count, "more guesses than canaries")
        let ranked = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var result = [Int8](repeating: 0, count: scores.count)
        for i in ranked.prefix(included) { result[i] = 1 }
        for i in ranked.suffix(excluded) { result[i] = -1 }
        return result
    }

    /// Plays the game for every budget r in `guessTotals` (k+ = ⌈r/2⌉, k− = ⌊r/2⌋) against the
    /// revealed `mask` and returns each outcome and the best, with ε_LB at `confidence` for the
    /// family (δ as given: the job's δ under DP, 0 for a pure-ε statement).
    public static func evaluate(scores: [Double], mask: [Bool], guessTotals: [Int], delta: Double,
                                confidence: Double) -> (best: Outcome, all: [Outcome]) {
        precondition(scores.count == mask.count && !guessTotals.isEmpty, "one score per canary and at least one budget")
        let significance = (1 - confidence) / Double(guessTotals.count)
        let all = guessTotals.map { r -> Outcome in
            let plus = (r + 1) / 2, minus = r / 2
            let guess = guesses(scores: scores, included: plus, excluded: minus)
            var correct = 0
            for (g, included) in zip(guess, mask) where (g == 1 && included) || (g == -1 && !included) { correct += 1 }
            let bound = OneRunAuditBound.epsilonLowerBound(canaries: scores.count, guesses: r, correct: correct, delta: delta,
                                                           significance: significance)
            return Outcome(guesses: r, guessedIncluded: plus, guessedExcluded: minus, correct: correct, epsilonLowerBound: bound)
        }
        var best = all[0]
        for outcome in all.dropFirst() where outcome.epsilonLowerBound > best.epsilonLowerBound { best = outcome }
        return (best, all)
    }

    /// The budgets tried when the manifest names none: m/10, m/5, m/2 and m guesses (at least 2).
    public static func defaultGuessTotals(canaries m: Int) -> [Int] {
        var totals: [Int] = []
        for r in [m / 10, m / 5, m / 2, m] where r >= 2 && !totals.contains(r) { totals.append(r) }
        return totals.isEmpty ? [m] : totals
    }
}
