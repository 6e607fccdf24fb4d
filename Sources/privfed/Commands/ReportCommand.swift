import ArgumentParser
import Audit
import Foundation
import ResultsStore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a job's report: one self-contained HTML page, or its data as JSON or CSV.",
        discussion: """
        The HTML page holds the job's header, the manifest, the privacy statement in plain words (ε, δ, \
        unit of privacy, what "neighbouring" means, the accountant, budget used and left per party), \
        charts of test accuracy and loss per round, ε per party per round against the budget, time and \
        bytes per stage, and the latest audit's findings. It loads nothing from the network (inline CSS \
        and SVG, no script) and prints well. Each chart point carries its data (data-series, data-x, \
        data-y attributes), so the numbers can be read back.

        --format json exports the same data; --format csv exports the chart series (chart,series,x,y). The \
        file is written atomically (a temporary file renamed into place). -o - writes to standard output.

        Examples:
          privfed report 3 -o job3.html
          privfed report 3 --format csv -o - | head
        """
    )

    @Argument(help: "The job id.") var job: Int64
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write; - for standard output.", valueName: "file"))
    var output: String = "-"
    @Option(help: "html, json or csv.") var format: String = "html"
    @OptionGroup var database: DatabaseOption

    func validate() throws {
        guard ReportFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be html, json or csv, got '\(format)'")
        }
    }

    func run() throws {
        let format = ReportFormat(rawValue: format)!
        try reportingErrors {
            let report = try JobReport.load(database: try database.openForReading(), jobId: job)
            let data = try format.render(report)
            if output == "-" {
                FileHandle.standardOutput.write(data)
            } else {
                try AtomicFileWriter.write(data, to: output)
                FileHandle.standardError.write(Data("privfed: wrote the \(format.rawValue) report of job \(job) to \(output)\n".utf8))
            }
        }
    }
}
