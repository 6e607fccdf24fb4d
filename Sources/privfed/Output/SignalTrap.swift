import ArgumentParser
import Dispatch
import Foundation
import Pipeline
import ResultsStore
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM while a job runs (`run`, `resume`, `worker`, or `serve`'s workers,
/// whose server also stops listening): the first asks the job to stop at its next stage
/// boundary (`StopRequest`), so it is recorded `interrupted` with its lease released; a second
/// ends the process at once (exit 128 + N), which leaves the job as a crash does — its lease is
/// taken over at once by `resume` or a worker on this host, since its holder is dead.
///
/// A plain `sigaction` handler that only does async-signal-safe things (an atomic store, write(2),
/// _exit), not a `DispatchSource`: a signal source puts libdispatch root-queue workers into the
/// process, the threads whose cache cleanup corrupted the heap before privfed's kernels moved to
/// their own threads (`WorkerPool`); a resume crashed in a kernel with one.
final class SignalTrap {
    /// What the process does on the first signal, for the line it prints (a handler cannot
    /// capture, so the choice is kept in an atomic beside the signal).
    enum Stopping: Int {
        /// A job runs (`run`, `resume`, `worker`, `serve`): it stops at its next stage boundary.
        case job = 0
        /// Only a link runs (`agent`, `orchestrator`): it closes its streams and ends.
        case link = 1
    }

    /// The signal caught, 0 for none: the one value a handler may touch (it cannot capture).
    private static let caught = Atomic<Int32>(0)
    private static let stopping = Atomic<Int>(Stopping.job.rawValue)
    let stop = StopRequest(polling: { let s = SignalTrap.caught.load(ordering: .sequentiallyConsistent); return s == 0 ? nil : s })

    init(_ stopping: Stopping = .job) {
        SignalTrap.stopping.store(stopping.rawValue, ordering: .sequentiallyConsistent)
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                let (exchanged, _) = SignalTrap.caught.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
                guard exchanged else { _exit(128 + number) }
                let message: StaticString = SignalTrap.stopping.load(ordering: .sequentiallyConsistent) == Stopping.link.rawValue
                    ? "\nprivfed: closing the link (again to quit at once)\n"
                    : "\nprivfed: stopping at the next stage boundary (again to quit at once)\n"
                message.withUTF8Buffer { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    /// Tells the user how the job ended when it was interrupted, and exits 130 (128 + SIGINT);
    /// returns for any other outcome.
    static func reportInterruption(_ summary: JobSummary, json: Bool) throws {
        guard summary.status == JobStatus.interrupted.rawValue else { return }
        let line = "interrupted after round \(summary.roundsCompleted); privfed resume \(summary.jobId) continues\n"
        if json {
            try printJSON(summary)
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        throw ExitCode(130)
    }
}
