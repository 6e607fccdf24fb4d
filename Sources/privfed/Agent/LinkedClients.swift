import AgentLink
import Foundation
import Pipeline
import Provisioning
import ResultsStore
import Synchronization

/// A job's clients as agents on the link: client k is `agents[k]`. The runner is synchronous and
/// runs on a thread of its own, so each round's calls are made as concurrent tasks and the runner
/// waits for them all (`blocking`): the agents train at the same time, and the round lasts as long
/// as its slowest agent or its deadline.
final class LinkedClients: RemoteClients {
    let calls: AgentCalls
    let agents: [String]
    let jobId: UInt64
    let manifestText: String
    let manifestSha256: String
    /// Ctrl-C or SIGTERM: a round waiting for its agents stops waiting.
    let stop: StopRequest?
    /// An additive job's share-holders (set once they accepted the job).
    let shareHolders: RemoteShareHolders?

    /// `holders`: an additive job's share-holders by name (holder h is `holders[h]`), with the keys they signed.
    init(calls: AgentCalls, agents: [String], jobId: Int64, manifestText: String, stop: StopRequest?,
         holders: (names: [String], keys: [HolderKey])? = nil) {
        self.calls = calls; self.agents = agents; self.jobId = UInt64(jobId); self.manifestText = manifestText
        self.manifestSha256 = Digest.sha256Hex(manifestText); self.stop = stop
        shareHolders = holders.map { names, keys in
            RemoteShareHolders(names: names, keys: keys, manifestText: manifestText) { bodies, deadline in
                Self.callAll(calls, bodies.sorted { $0.key < $1.key }.map { ($0.key, names[$0.key], $0.value) }, timeout: deadline, stop: stop) {
                    RemoteAnswer(body: $0.body, certificatePEM: $0.certificatePEM)
                }
            }
        }
    }

    var stopSignal: Int32? { stop?.signal }

    func agent(of client: Int) -> String { agents[client] }

    func train(_ work: RoundWork, clients: [Int], deadline: Duration) -> [Int: Result<RemoteUpload, RemoteFailure>] {
        let requests = clients.map {
            ($0, TrainRequest(jobId: jobId, client: $0, round: work.round, learningRate: work.learningRate, noiseMultiplier: work.noiseMultiplier,
                              manifestText: manifestText, global: work.global))
        }
        return Self.callAll(calls, requests.map { ($0.0, agents[$0.0], $0.1.encoded()) }, timeout: deadline, stop: stop) {
            RemoteUpload(reply: try TrainReply.decode($0.body), certificatePEM: $0.certificatePEM)
        }
    }

    func call(_ bodies: [Int: [UInt8]], deadline: Duration) -> [Int: Result<RemoteAnswer, RemoteFailure>] {
        Self.callAll(calls, bodies.sorted { $0.key < $1.key }.map { ($0.key, agents[$0.key], $0.value) }, timeout: deadline, stop: stop) {
            RemoteAnswer(body: $0.body, certificatePEM: $0.certificatePEM)
        }
    }

    /// A share-holder's acceptance: its commitment and its key, with the certificate of its session.
    struct HolderAccepted: Sendable {
        var rootCommitment: String
        var key: HolderKey
    }

    /// Offers job `jobId` to each share-holder (as holder h = its position); an acceptance whose
    /// key is not signed by the holder's session certificate is that holder's failure.
    static func offerHolders(_ calls: AgentCalls, holders: [String], jobId: Int64, manifestText: String,
                             timeout: Duration, stop: StopRequest?) -> [Int: Result<HolderAccepted, RemoteFailure>] {
        let offers = holders.enumerated().map { ($0.offset, $0.element, HolderOffer(jobId: UInt64(jobId), holder: $0.offset, manifestText: manifestText).encoded()) }
        let sha = Digest.sha256Hex(manifestText)
        let answers = callAll(calls, offers, timeout: timeout, stop: stop) { answer in (try HolderAcceptance.decode(answer.body), answer.certificatePEM) }
        var accepted: [Int: Result<HolderAccepted, RemoteFailure>] = [:]
        for (h, result) in answers {
            accepted[h] = result.flatMap { acceptance, certificatePEM in
                let key = HolderKey(holder: h, publicKey: acceptance.publicKey, signature: acceptance.signature, certificatePEM: certificatePEM)
                guard key.isSigned(jobId: UInt64(jobId), manifestSha256: sha) else {
                    return .failure(RemoteFailure("its key for the job is not signed with its certificate's key"))
                }
                return .success(HolderAccepted(rootCommitment: acceptance.rootCommitment, key: key))
            }
        }
        return accepted
    }

    /// Offers job `jobId` to each agent (as client k = its position) and collects its acceptance.
    static func offer(_ calls: AgentCalls, agents: [String], jobId: Int64, manifestText: String,
                      timeout: Duration, stop: StopRequest?) -> [Int: Result<JobAcceptance, RemoteFailure>] {
        let offers = agents.enumerated().map { ($0.offset, $0.element, JobOffer(jobId: UInt64(jobId), client: $0.offset, manifestText: manifestText).encoded()) }
        return callAll(calls, offers, timeout: timeout, stop: stop) { try JobAcceptance.decode($0.body) }
    }

    /// Calls every (client, agent, body) at once and decodes each reply; a failed call or an
    /// undecodable reply is that client's failure.
    static func callAll<Reply: Sendable>(_ calls: AgentCalls, _ requests: [(Int, String, [UInt8])], timeout: Duration, stop: StopRequest?,
                                         decode: @escaping @Sendable (LinkAnswer) throws -> Reply) -> [Int: Result<Reply, RemoteFailure>] {
        // Nothing to wait for (a job without share-holders): the watcher below would wait forever.
        guard !requests.isEmpty else { return [:] }
        return blocking {
            await withTaskGroup(of: (Int, Result<Reply, RemoteFailure>)?.self) { group in
                for (client, agent, body) in requests {
                    group.addTask {
                        do { return (client, .success(try decode(try await calls.call(agent, body: body, timeout: timeout)))) } catch {
                            return (client, .failure(RemoteFailure(Self.reason(error))))
                        }
                    }
                }
                // The watcher: on a signal every call still waiting is cancelled (and fails at once).
                group.addTask {
                    while !Task.isCancelled, stop?.signal == nil { try? await Task.sleep(for: .milliseconds(50)) }
                    return nil
                }
                var results: [Int: Result<Reply, RemoteFailure>] = [:]
                while let next = await group.next() {
                    guard let (client, result) = next else { group.cancelAll(); continue }
                    results[client] = result
                    if results.count == requests.count { group.cancelAll() }
                }
                return results
            }
        }
    }

    static func reason(_ error: any Error) -> String {
        if case AgentLinkError.callFailed(_, let reason) = error { return reason }
        return "its reply does not read: \(error)"
    }
}

/// Runs `body` as a task and waits for it on the calling thread, which must not be one of the
/// concurrency pool's (the runner's own thread).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = Outcome<T>()
    Task {
        let value = await body()
        box.value.withLock { $0 = value }
        done.signal()
    }
    done.wait()
    return box.value.withLock { $0! }
}

/// Where `blocking`'s task leaves its value for the waiting thread.
private final class Outcome<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}
