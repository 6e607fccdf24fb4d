import ArgumentParser
import ResultsStore
import Service

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a queued or running job.",
        discussion: """
        A queued job is cancelled at once and no worker takes it. A running job is marked cancelled at \
        once; its worker (in any process on the same --db) stops at the next stage boundary, so no stage \
        is cut in half, and records when it stopped. A privacy spend already on the ledger stays spent. \
        A job that has ended cannot be cancelled (exit 1). The same as POST /api/jobs/{id}/cancel.
        """
    )

    @Argument(help: "The job id (see privfed jobs).") var job: Int64
    @Flag(help: "Print the outcome as JSON.") var json = false
    @OptionGroup var database: DatabaseOption

    func run() throws {
        try reportingErrors {
            let store = try database.open(create: false)
            let outcome = try store.cancelJob(id: job, reason: "cancelled by privfed cancel")
            if json {
                try printJSON(CancelledJob(job: job, outcome: outcome.rawValue, status: try store.job(id: job).status.rawValue))
                return
            }
            switch outcome {
            case .cancelled: print("job \(job): cancelled")
            case .stopping: print("job \(job): cancelled; its worker stops at the next stage boundary")
            }
        }
    }
}
