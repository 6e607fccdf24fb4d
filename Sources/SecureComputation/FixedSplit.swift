import ParallelWork

/// Parallel work split in a fixed way: item i always goes to the same chunk and results are
/// combined in index order, so the output never depends on thread scheduling (DESIGN.md,
/// Reproducibility). Ring additions commute, so per-thread accumulators summed at the end give
/// the same bits as a serial loop.
enum FixedSplit {
    /// The contiguous chunk of 0..<count owned by worker w of `workers`.
    static func chunk(_ w: Int, of workers: Int, count: Int) -> Range<Int> {
        WorkerPool.chunk(w, of: workers, count: count)
    }

    /// `body(i)` for every i in 0..<count, on up to `threads` threads; results in index order.
    /// Rethrows the error of the lowest failing index.
    static func map<T>(_ count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
        try WorkerPool.map(count: count, threads: threads) { i in Result { try body(i) } }.map { try $0.get() }
    }

    /// Applies `body(chunk, accumulator)` on `threads` fixed chunks of 0..<count, each with its own
    /// zeroed ring accumulator of `length` words, and returns the sum of the accumulators.
    static func accumulate(_ count: Int, length: Int, threads: Int,
                           _ body: (Range<Int>, inout [UInt64]) throws -> Void) throws -> [UInt64] {
        let workers = max(1, min(threads, count))
        let partials = try map(workers, threads: workers) { w -> [UInt64] in
            var acc = [UInt64](repeating: 0, count: length)
            try body(chunk(w, of: workers, count: count), &acc)
            return acc
        }
        var total = [UInt64](repeating: 0, count: length)
        for p in partials { RingVector.add(p, into: &total) }
        return total
    }
}

/// A pointer handed to worker threads that write disjoint slots.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// A value handed to worker threads that only read it (or call a closure that touches disjoint state).
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
