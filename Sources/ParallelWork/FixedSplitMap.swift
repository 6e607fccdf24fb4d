extension WorkerPool {
    /// The contiguous chunk of 0..<count owned by part `part` of `parts`: item i always falls in the
    /// same chunk, so a split never changes which work runs together.
    public static func chunk(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
        (part * count / parts)..<((part + 1) * count / parts)
    }

    /// `body(i)` for every i in 0..<count, in at most `threads` fixed chunks run as `run`'s parts;
    /// the results in index order. Each result goes to its own slot of one allocated block (never
    /// one Swift Array written from several threads, a data race by Swift's rules).
    public static func map<T>(count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        let parts = max(1, min(threads, count))
        if parts == 1 { return (0..<count).map(body) }
        let slots = UnsafeMutablePointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
        defer { slots.deinitialize(count: count); slots.deallocate() }
        run(parts: parts) { part in
            for i in chunk(part, of: parts, count: count) { slots[i] = body(i) }
        }
        return (0..<count).map { slots[$0]! }
    }
}
