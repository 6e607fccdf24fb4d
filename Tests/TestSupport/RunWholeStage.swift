import Pipeline

extension RoundStage {
    /// The stage as the runner drives it, without the runner's records: `plan`, then `run` for
    /// each selected client (or once at the aggregator), each client's outbox delivered after its
    /// run. Ledger entries stay pending in `state` (no database commits them).
    public func runWholeStage(_ state: inout RoundState, job: PreparedJob) throws -> [StageMetric] {
        var metrics = try plan(&state, job: job)
        let clients: [Int?] = scope == .perClient ? state.selectedClients.map { $0 } : [nil]
        for client in clients {
            metrics += try run(&state, client: client, job: job)
            if !state.outbox.isEmpty {
                let pending = state.pendingLedger
                state.pendingLedger = []  // a test drives no ledger: the entries stay for it to read
                metrics.append(StageMetric("bytes_sent", Double(try state.deliverOutbox(via: job.transport)), "bytes"))
                state.pendingLedger = pending
            }
        }
        return metrics
    }
}
