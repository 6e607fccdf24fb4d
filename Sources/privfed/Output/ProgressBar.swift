import Foundation
import Pipeline

/// The progress bar on standard error (`ProgressText`: the round in progress, one percentage, an
/// ETA at the pace so far, last test accuracy). Privacy-monitor warnings are written on their own
/// line above the bar. When standard error is not a terminal nothing is drawn, so logs and pipes
/// stay clean; a warning is then one plain line.
final class ProgressBar: JobProgress {
    private let enabled: Bool
    private var text: ProgressText?
    private var start = ContinuousClock.now

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    private var elapsed: Double { start.duration(to: .now).milliseconds / 1000 }

    func started(job: Int64, name: String, rounds: ClosedRange<Int>) {
        text = ProgressText(label: "job \(job) \(TerminalText.escaped(name))", rounds: rounds)
        start = .now
        draw()
    }

    func clientFinished(round: Int, client: Int, of clients: Int) {
        text?.clientFinished(round: round, of: clients)
        draw()
    }

    func roundFinished(round: Int, of rounds: Int, accuracy: Double?) {
        text?.roundFinished(round: round, accuracy: accuracy)
        draw()
    }

    func warning(_ message: String) {
        let message = TerminalText.escaped(message)
        guard enabled, let text else {
            FileHandle.standardError.write(Data("privfed: warning: \(message)\n".utf8))
            return
        }
        FileHandle.standardError.write(Data(text.warning(message, elapsed: elapsed).utf8))
    }

    func finished() {
        guard enabled, text != nil else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        text = nil
    }

    private func draw() {
        guard enabled, let text else { return }
        FileHandle.standardError.write(Data(text.line(elapsed: elapsed).utf8))
    }
}
