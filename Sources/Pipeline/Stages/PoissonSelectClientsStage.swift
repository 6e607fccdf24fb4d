import DifferentialPrivacy
import Randomness

/// Client-level DP selects clients by Poisson sampling: each client independently with
/// probability q = clients_per_round / clients, so the round's cohort size varies — the sampling
/// the DP-FedAvg accounting assumes (McMahan et al. 2018). The ledger records `poisson`;
/// fixed-size selection is never claimed as Poisson.
///
/// Each client flips its own coin, on stream `round/R/cohort` of its own secret root: the
/// amplification by subsampling holds against an observer of the released model who does not
/// see which clients took part, so no public value may determine the cohort. The aggregator
/// learns who uploaded (it has to, to sum), and the records keep only the cohort's size
/// (`clients_selected`).
public struct PoissonSelectClientsStage: RoundStage {
    public let name = StageName.selectClients
    public let scope = StageScope.aggregator

    public init() {}

    public func run(_ state: inout RoundState, client: Int?, job: PreparedJob) throws -> [StageMetric] {
        let q = Double(job.manifest.federation.clientsPerRound) / Double(job.manifest.dataset.clients)
        state.selectedClients = state.parties.clients.indices.filter { k in
            var coin = state.parties.clients[k].streams.generator("round/\(state.round)/cohort")
            return !PoissonSampling.sample(populationSize: 1, rate: q, using: &coin).isEmpty
        }
        return [StageMetric("clients_selected", Double(state.selectedClients.count), "count")]
    }
}
