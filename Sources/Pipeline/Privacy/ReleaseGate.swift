import ResultsStore

/// The privacy gate, the one place a stage passes through to release DP output (Opacus'
/// single release hook, here on the round): `admit` decides the party's release with the job's
/// `PrivacyBook` before the noisy output exists — over budget it throws `budgetExhausted` and
/// nothing is produced — and `pend` puts the decided entry, with the SHA-256 of the bytes
/// released, on `pendingLedger`. The runner commits pending entries before any later stage can
/// read the output (`JobRunner.execute`), so nothing leaves a party before its spend is on the
/// ledger.
extension RoundState {
    /// Decides `party`'s release this round. - Throws: `PipelineError.budgetExhausted`.
    public mutating func admitRelease(of party: Party) throws -> LedgerEntry {
        guard privacy != nil else { preconditionFailure("a DP release in a job without a privacy plan") }
        let decision = try privacy!.decide(party: party.description, round: round, clipNorm: clipNorm)
        guard decision.released else { throw PipelineError.budgetExhausted(decision.entry) }
        return decision.entry
    }

    /// Pends an admitted entry; `released` is the output as released (nil where no single party
    /// holds it, as for the sum a secure aggregation opens).
    public mutating func pend(_ entry: LedgerEntry, released: [Float]?) {
        var entry = entry
        if let released { entry.outputSha256 = Digest.sha256Hex(floats: released) }
        pendingLedger.append(entry)
    }
}
