import Randomness

/// Picks this round's clients: `clients_per_round` of the job's clients, uniformly without
/// replacement (a partial Fisher–Yates shuffle on stream `round/R/select`), listed in index order.
public struct SelectClientsStage: RoundStage {
    public let name = StageName.selectClients
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        let total = job.manifest.dataset.clients
        let wanted = job.manifest.federation.clientsPerRound
        var generator = job.publicStreams.generator("round/\(state.round)/select")
        var pool = Array(0..<total)
        for i in 0..<wanted {
            let j = i + Int(generator.nextBelow(UInt64(total - i)))
            pool.swapAt(i, j)
        }
        state.selectedClients = pool.prefix(wanted).sorted()
        return [StageMetric("clients_selected", Double(wanted), "count")]
    }
}
