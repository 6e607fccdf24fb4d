import Foundation
import Synchronization

/// Runs the parts of a fixed work split on long-lived threads of privfed's own.
///
/// Why not `DispatchQueue.concurrentPerform`: on Linux its parts run on libdispatch's root-queue
/// worker threads, which Swift concurrency (the HTTP server's tasks) uses too, and which free their
/// cache of continuations when they exit idle. In the test suite under AddressSanitizer that
/// cleanup, on a worker `concurrentPerform` had started, freed a block the heap had meanwhile
/// handed to a Swift task and taken back (`double-free … in _dispatch_cache_cleanup`); without ASan
/// it aborted CI as `malloc_consolidate(): unaligned fastbin chunk detected`. These threads are
/// started once and never exit (they wait in `Handoff`), so no dispatch worker runs privfed's kernels.
///
/// Results never depend on whether the parts run in parallel: callers split work so that each
/// part writes disjoint outputs (the fixed split of DESIGN.md, Reproducibility). That is what lets
/// a second caller, or a part that splits again, run its parts one after another on its own
/// thread while the pool is busy, instead of waiting for it.
public final class WorkerPool: @unchecked Sendable {
    /// One pool per process: threads are a process resource, like the file descriptors a database holds.
    static let shared = WorkerPool()

    /// Held by the one caller whose parts are on the workers.
    private let inUse = NSLock()
    private var workers: [Worker] = []

    /// Runs `body(part)` for every part in `0..<parts`: part 0 on the calling thread, the others on
    /// pool threads, returning when all have finished.
    public static func run(parts: Int, _ body: (Int) -> Void) {
        shared.run(parts: parts, body)
    }

    func run(parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else {
            if parts == 1 { body(0) }
            return
        }
        guard inUse.try() else {
            for part in 0..<parts { body(part) }
            return
        }
        defer { inUse.unlock() }
        while workers.count < parts - 1 { workers.append(Worker()) }
        withoutActuallyEscaping(body) { body in
            for w in 0..<(parts - 1) { workers[w].start(part: w + 1, body) }
            body(0)
            for w in 0..<(parts - 1) { workers[w].wait() }
            for w in 0..<(parts - 1) { workers[w].release() }
        }
    }
}

/// One pool thread: waits for a part, runs it, reports it done.
private final class Worker: @unchecked Sendable {
    private let ready = Handoff()
    private let finished = Handoff()
    private var body: ((Int) -> Void)?
    private var part = 0

    init() {
        let thread = Thread { [self] in
            while true {
                ready.wait()
                runPart()
                finished.raise()
            }
        }
        thread.name = "privfed-worker"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Runs the part with the closure the caller stored; the worker never owns a reference.
    ///
    /// Every retain and release of the stored closure happens on the caller's thread, in its
    /// program order (`start` stores, `release` clears). The optimizer moves a retain past an
    /// atomic store to another object: in the first version (the worker cleared `body` itself)
    /// the disassembly of the inlined `start` showed the retain of the stored closure *after*
    /// `ready.raise()`, so the worker could run the part and drop its reference first, taking
    /// the closure's count through zero — the CI crash "closure argument was escaped in
    /// withoutActuallyEscaping block" in DP-SGD's GEMM and in an audit's re-execution. The one
    /// copy made here for the call ends in this never-inlined frame, before `finished.raise()`.
    @inline(never)
    private func runPart() {
        body!(part)
    }

    func start(part: Int, _ body: @escaping (Int) -> Void) {
        self.part = part
        self.body = body
        ready.raise()
    }

    /// Drops the stored closure once the part has finished (`wait` returned), before the caller's
    /// `withoutActuallyEscaping` checks that nothing else holds it.
    @inline(never)
    func release() { body = nil }

    func wait() { finished.wait() }
}

/// A flag one thread raises and another waits for and lowers. The waiter spins briefly before it
/// sleeps on a semaphore: the parallel parts of one training step follow each other within
/// microseconds, sooner than a sleeping thread wakes (sleeping at once cost the mlp's DP-SGD
/// about a fifth of its throughput). Raiser and sleeper each store their flag, then read the
/// other's, both sequentially consistent, so at least one sees the other: no wake-up is lost.
final class Handoff: @unchecked Sendable {
    private let raised = Atomic<Bool>(false)
    private let sleeping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// Polls before sleeping: some tens of microseconds.
    static let spins = 20_000

    func raise() {
        raised.store(true, ordering: .sequentiallyConsistent)
        if sleeping.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Returns once the flag is raised, and lowers it. A leftover semaphore count (a signal sent
    /// while the waiter was already on its way out) only costs one extra turn of the loop.
    func wait() {
        var spun = 0
        while !raised.load(ordering: .sequentiallyConsistent) {
            if spun < Self.spins {
                spun += 1
                continue
            }
            sleeping.store(true, ordering: .sequentiallyConsistent)
            if !raised.load(ordering: .sequentiallyConsistent) { wake.wait() }
            sleeping.store(false, ordering: .sequentiallyConsistent)
        }
        raised.store(false, ordering: .sequentiallyConsistent)
    }
}
