import Foundation

/// What the command line's progress bar shows, computed apart from the terminal so it can be
/// checked: the round in progress, one fraction done (the bar and the percentage both come from
/// it), an ETA from the time the finished part actually took, and warnings placed above the bar.
///
/// The fraction counts rounds, each round split evenly over the clients that take part in it: a
/// round's client count can vary (Poisson selection under client-level DP), so counting clients
/// over the whole job would make the percentage jump.
public struct ProgressText: Sendable {
    public let label: String
    /// The rounds this execution runs (a resumed job starts after its checkpoint).
    public let rounds: ClosedRange<Int>
    public private(set) var round: Int
    public private(set) var accuracy: Double?
    private var roundsDone = 0
    private var clientsDone = 0
    private var clientsInRound = 0

    public static let width = 30
    /// Erase the line (carriage return, then ECMA-48 EL "erase in line").
    public static let clearLine = "\r\u{1B}[2K"

    public init(label: String, rounds: ClosedRange<Int>) {
        self.label = label; self.rounds = rounds; self.round = rounds.lowerBound
    }

    /// The share of this execution's work done, in [0, 1].
    public var fraction: Double {
        let inRound = clientsInRound > 0 ? Double(clientsDone) / Double(clientsInRound) : 0
        return min(1, (Double(roundsDone) + inRound) / Double(rounds.count))
    }

    /// Whole percent done, as the bar shows it.
    public var percent: Int { Int(fraction * 100) }

    public mutating func clientFinished(round: Int, of clients: Int) {
        self.round = round
        clientsInRound = max(clients, 1)
        clientsDone = min(clientsDone + 1, clientsInRound)
    }

    /// Round `round` is over: the bar moves on to the next one.
    public mutating func roundFinished(round: Int, accuracy: Double?) {
        roundsDone = min(roundsDone + 1, rounds.count)
        self.round = min(round + 1, rounds.upperBound)
        self.accuracy = accuracy
        clientsDone = 0
        clientsInRound = 0
    }

    /// Seconds left at this pace, nil before anything has finished.
    public func secondsLeft(elapsed: Double) -> Double? {
        fraction > 0 ? elapsed * (1 - fraction) / fraction : nil
    }

    /// The bar, drawn over the current line.
    public func line(elapsed: Double) -> String {
        let filled = Int(fraction * Double(Self.width))
        let eta = secondsLeft(elapsed: elapsed).map { Self.clock($0) + " left" } ?? "-:-- left"
        let acc = accuracy.map { String(format: " acc %.4f", $0) } ?? ""
        return Self.clearLine + "\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: Self.width - filled))] "
            + String(format: "%3d%%", percent) + " round \(round)/\(rounds.upperBound)  \(eta)\(acc)"
    }

    /// A warning on a line of its own above the bar, then the bar again.
    public func warning(_ text: String, elapsed: Double) -> String {
        Self.clearLine + "privfed: warning: " + text + "\n" + line(elapsed: elapsed)
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
