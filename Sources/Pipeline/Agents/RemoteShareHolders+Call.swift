extension RemoteShareHolders {
    /// Sends holder h `bodies[h]` and reads each answer with `read` (given the holder, its step
    /// reply and its session's certificate). Every holder is needed: one without a reply that
    /// reads fails the round, naming each such holder and why, after `needs`.
    func callEvery<T>(_ bodies: [Int: [UInt8]], deadline: Duration, stage: StageName, round: Int, needs: String,
                      read: (Int, AgentStepReply, String) throws -> T) throws -> [T] {
        let answers = call(bodies, deadline)
        var results: [T] = [], missing: [String] = []
        for h in bodies.keys.sorted() {
            switch answers[h] {
            case .success(let answer):
                do { results.append(try read(h, try AgentStepReply.decode(answer.body), answer.certificatePEM)) } catch {
                    missing.append("\(names[h]) (its answer does not read: \(error))")
                }
            case .failure(let failure): missing.append("\(names[h]) (\(failure.reason))")
            case nil: missing.append("\(names[h]) (no reply)")
            }
        }
        guard missing.isEmpty else {
            throw PipelineError.stage(stage.rawValue, "round \(round): \(needs); missing: " + missing.joined(separator: "; "))
        }
        return results
    }
}
