import ResultsStore

/// A running job with three rounds of two clients' releases on its ledger (ε 0.4 each): what the
/// ledger tamper tests of both engines attack.
public func sampleLedgerJob(_ db: ResultsDatabase, rows: Int = 6) throws -> Int64 {
    let id = try db.insertJob(JobRecord(name: "dp", manifestPath: "m.yaml", manifestText: "name: dp", seed: 1,
                                        randomness: "reproducible", codeVersion: "test", status: .running, roundsPlanned: 3))
    var spent = 0.0
    for round in 1...(rows / 2) {
        var entries: [LedgerEntry] = []
        for client in 0..<2 {
            spent += 0.4
            entries.append(LedgerEntry(round: round, party: "client/\(client)", unit: "example", samplingRate: 0.01,
                                       noiseMultiplier: 1.1, steps: 100, maxGradNorm: 1, delta: 1e-5, epsilonRound: 0.4,
                                       epsilonSpentRDP: spent, epsilonSpentPLD: spent * 0.9, budgetEpsilon: 3,
                                       decision: "released", accountant: "rdp", accountantVersion: "test"))
        }
        try db.appendLedger(entries, jobId: id)
    }
    return id
}
