import HomomorphicEncryption
import Randomness
import SecureComputation
import Synchronization

/// An update an agent trained for a round of secure aggregation or HE and keeps until the
/// round's steps are done.
struct HeldUpdate: Sendable {
    var job: AgentDevice.AgentJob
    var jobId: UInt64
    var client: Int
    var round: Int
    var delta: [Float]
    var sampleCount: Int
}

/// The agent's side of a round it protects with the orchestrator, per (job, round): the held
/// update; under SecAgg its client and encoded input once round 0 has set it up; under HE the
/// job's setup. The round closes after its last step (unmasking, decryption shares).
struct AgentRoundSession: Sendable {
    var held: HeldUpdate
    var client: SecAggClient?
    var random: ChaCha20Generator?
    var input: [UInt64]?
    var he: HESetup?
}

/// The rounds an agent has open, in memory only. Training a round of a job closes the job's
/// older rounds: the orchestrator runs one round at a time.
final class AgentRoundSessions: Sendable {
    struct Key: Hashable, Sendable { var job: UInt64; var round: Int }
    private let sessions = Mutex<[Key: AgentRoundSession]>([:])

    func hold(_ update: HeldUpdate) {
        sessions.withLock { all in
            all = all.filter { $0.key.job != update.jobId || $0.key.round > update.round }
            all[Key(job: update.jobId, round: update.round)] = AgentRoundSession(held: update)
        }
    }

    /// Runs `body` on the open session of `key`, or throws when there is none.
    func with<R>(_ key: Key, _ body: (inout AgentRoundSession) throws -> R) throws -> R {
        try sessions.withLock { all in
            guard var session = all[key] else {
                throw AgentError.refused("no update of job \(key.job) round \(key.round) is held here (it was not trained on this agent, "
                                         + "or the agent restarted since)")
            }
            defer { all[key] = session }
            return try body(&session)
        }
    }

    func close(_ key: Key) { _ = sessions.withLock { $0.removeValue(forKey: key) } }

    /// HE: the collective key of each (job, epoch) the orchestrator sent, kept for the epoch's
    /// later rounds (memory only).
    struct EpochKey: Hashable, Sendable { var job: UInt64; var epoch: Int }
    private let keys = Mutex<[EpochKey: PublicKey]>([:])

    func keep(_ key: PublicKey, for epoch: EpochKey) {
        keys.withLock { all in
            all = all.filter { $0.key.job != epoch.job || $0.key.epoch > epoch.epoch }
            all[epoch] = key
        }
    }

    func key(for epoch: EpochKey) -> PublicKey? { keys.withLock { $0[epoch] } }
}
