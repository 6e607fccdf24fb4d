import ArgumentParser
import Dispatch
import Foundation
import Pipeline
import ResultsStore

/// SIGINT (Ctrl-C) and SIGTERM while a job runs: the first asks the job to stop at its next stage
/// boundary (`StopRequest`), so it is recorded `interrupted` with its lease released; a second
/// ends the process at once (exit 128 + N), which leaves the job as a crash does — its lease is
/// taken over at once by `resume` or a worker on this host, since its holder is dead.
final class SignalTrap {
    let stop = StopRequest()
    private var sources: [DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stop] in
                if stop.signal != nil { exit(128 + number) }
                stop.request(signal: number)
                FileHandle.standardError.write(Data("\nprivfed: \(StopRequest.name(number)): stopping at the next stage boundary (again to quit at once)\n".utf8))
            }
            source.resume()
            sources.append(source)
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
