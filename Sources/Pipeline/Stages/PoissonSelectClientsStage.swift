import DifferentialPrivacy
import Randomness

/// Client-level DP selects clients by Poisson sampling: each client independently with
/// probability q = clients_per_round / clients (stream `round/R/select`), so the round's cohort
/// size varies — the sampling the DP-FedAvg accounting assumes (McMahan et al. 2018). The
/// ledger records `poisson`; fixed-size selection is never claimed as Poisson.
public struct PoissonSelectClientsStage: RoundStage {
    public let name = StageName.selectClients
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        let q = Double(job.manifest.federation.clientsPerRound) / Double(job.manifest.dataset.clients)
        var generator = job.streams.generator("round/\(state.round)/select")
        state.selectedClients = PoissonSampling.sample(populationSize: job.manifest.dataset.clients, rate: q, using: &generator)
        return [StageMetric("clients_selected", Double(state.selectedClients.count), "count")]
    }
}
