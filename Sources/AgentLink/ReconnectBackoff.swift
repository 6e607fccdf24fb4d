/// How long an agent waits before dialling again: doubling from `initial` up to `cap`, with up to
/// 20% subtracted at random so that agents cut off together do not all return in the same
/// instant; reset once a session is welcomed. The cap keeps a restarted orchestrator from waiting
/// long for its agents (Flower's users report nodes that never rejoin after a restart).
public struct ReconnectBackoff: Sendable {
    public var initial: Double
    public var cap: Double
    private var attempt = 0

    public init(initial: Double = 0.1, cap: Double = 2) { self.initial = initial; self.cap = cap }

    /// The next wait, in seconds.
    public mutating func next<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        let base = min(cap, initial * Double(1 << min(attempt, 30)))
        attempt += 1
        return base * (1 - 0.2 * Double.random(in: 0..<1, using: &generator))
    }

    public mutating func reset() { attempt = 0 }
}
