import ParallelWork

/// A fixed split of independent work over at most two threads.
///
/// Callers only split work whose pieces write disjoint outputs and never share a reduction, so
/// results do not depend on the number of threads (see `GEMM`).
enum Parallel {
    /// Runs `body(part)` for `part` in `0..<parts`, concurrently when `parts > 1`.
    static func forEach(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            body(0)
            return
        }
        WorkerPool.run(parts: parts, body)
    }

    /// Part `part` of `0..<count` cut into `parts` contiguous ranges whose boundaries are
    /// multiples of `granule` (a pure function of its arguments, so the split is fixed).
    static func range(part: Int, of parts: Int, count: Int, granule: Int = 1) -> Range<Int> {
        let units = (count + granule - 1) / granule
        let lo = min(count, (units * part / parts) * granule)
        let hi = min(count, (units * (part + 1) / parts) * granule)
        return lo..<hi
    }
}

/// Carries a value that is only used in ways the caller has made race-free across threads.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
