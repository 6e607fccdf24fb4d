import ParallelWork

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
        WorkerPool.run(parts: workers) { w in
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
///
/// The slots are one manually allocated block, not a Swift `Array`: mutating one array from two
/// threads is a data race by Swift's rules even at disjoint indices (each
/// `withUnsafeMutableBufferPointer` call checks and may reallocate the array's buffer), so it
/// works only as long as the standard library's implementation happens to allow it.
final class ResultSlots<T>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<T?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func set(_ i: Int, _ value: T) {
        precondition(i >= 0 && i < count, "slot \(i) outside 0..<\(count)")
        storage[i] = value
    }

    func values() -> [T] { (0..<count).map { storage[$0]! } }
}
