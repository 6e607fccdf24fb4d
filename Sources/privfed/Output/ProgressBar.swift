import Foundation
import Pipeline

/// A one-line progress bar on standard error — rounds × clients done, ETA, last test accuracy.
/// Silent when standard error is not a terminal, so logs and pipes stay clean.
final class ProgressBar: JobProgress {
    private let enabled: Bool
    private var total = 1
    private var done = 0
    private var round = 1
    private var rounds = 1
    private var accuracy: Double?
    private var start = Date()
    private var name = ""

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    func started(job: Int64, name: String, totalSteps: Int) {
        total = max(totalSteps, 1)
        self.name = "job \(job) \(name)"
        start = Date()
        draw()
    }

    func clientFinished(round: Int, client: Int) {
        done += 1
        self.round = round
        draw()
    }

    func roundFinished(round: Int, of rounds: Int, accuracy: Double?) {
        self.round = round
        self.rounds = rounds
        self.accuracy = accuracy
        draw()
    }

    func finished() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        guard enabled else { return }
        let fraction = Double(done) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let acc = accuracy.map { String(format: " acc %.4f", $0) } ?? ""
        let line = String(format: "\r%@ [%@%@] %3.0f%% round %d/%d  %@ left%@ ",
                          name, String(repeating: "#", count: filled), String(repeating: ".", count: width - filled),
                          fraction * 100, round, rounds, Self.clock(eta), acc)
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
