import ParallelWork

/// A fixed split of `count` independent jobs over `threads` workers (`WorkerPool.map`): worker w
/// takes a contiguous block of jobs. Results never depend on the thread count because every job's
/// randomness is drawn before the split.
enum ParallelSplit {
    /// Maps `count` jobs to an array of results with a fixed split.
    static func map<T>(count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        WorkerPool.map(count: count, threads: threads, body)
    }
}
