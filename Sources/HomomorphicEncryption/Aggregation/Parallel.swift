import Dispatch

/// A fixed split of `count` independent jobs over `threads` workers: worker w takes the
/// contiguous block [w·count/threads, (w+1)·count/threads). Results never depend on the thread
/// count because every job's randomness is drawn before the split.
enum ParallelSplit {
    static func run(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in (w * count / workers)..<((w + 1) * count / workers) { body(i) }
        }
    }

    /// Maps `count` jobs to an array of results with a fixed split.
    static func map<T: Sendable>(count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        let slots = ResultSlots<T>(count: count)
        run(count: count, threads: threads) { slots.set($0, body($0)) }
        return slots.values()
    }
}

/// Write-once result slots filled by disjoint indices from several threads.
final class ResultSlots<T>: @unchecked Sendable {
    private var storage: [T?]

    init(count: Int) { storage = [T?](repeating: nil, count: count) }

    func set(_ i: Int, _ value: T) {
        storage.withUnsafeMutableBufferPointer { $0[i] = value }
    }

    func values() -> [T] { storage.map { $0! } }
}
