import Randomness
import ResultsStore
import SecureComputation
import Wire

extension AgentDevice {
    /// Answers one SecAgg step for the update it holds (Bonawitz et al. 2017, figure 4, the
    /// user's side). The agent checks what it is told rather than trusting it: the setup's
    /// parameters must be those its own copy of the manifest gives for a round of that size (a
    /// lower threshold or a smaller graph would let fewer parties unmask it), its graph must be a
    /// well-formed symmetric one, and the client it is asked as must be the one that trained.
    func secAggStep(_ request: SecAggStepRequest) throws -> AgentStepReply {
        let key = AgentRoundSessions.Key(job: request.jobId, round: request.round)
        let reply: AgentStepReply = try rounds.with(key) { session in
            guard session.held.client == request.client else {
                throw AgentError.refused("round \(request.round) was trained as client \(session.held.client), not \(request.client)")
            }
            switch request.step {
            case .advertiseKeys:
                let setup = try SecAggRoundSetup.decode(request.body)
                let manifest = session.held.job.manifest
                let expected = try SecureAggregationRoundState.configuration(
                    clients: setup.configuration.clients, parameters: session.held.delta.count, privacy: manifest.privacy,
                    clientsPerRound: manifest.federation.clientsPerRound)
                guard setup.configuration == expected, setup.configuration.clients <= manifest.federation.clientsPerRound else {
                    throw AgentError.refused("the SecAgg setup (n = \(setup.configuration.clients), degree \(setup.configuration.neighbors), "
                                             + "t = \(setup.configuration.threshold)) is not the one the manifest gives for its round")
                }
                // The FedAvg weight n_k, applied in float32 before encoding, as `SecureSum.protect` does.
                let weight = Float(session.held.sampleCount)
                session.input = try setup.configuration.encoding.encode(session.held.delta.map { $0 * weight })
                var random = RandomStreams(root: session.held.job.root).generator("round/\(request.round)/secagg")
                let client = SecAggClient(id: setup.id, configuration: setup.configuration, graph: setup.graph, using: &random)
                session.client = client
                session.random = random
                return AgentStepReply(message: client.advertiseKeys().encoded())
            case .shareKeys:
                guard var client = session.client, var random = session.random else { throw Self.outOfOrder(request) }
                let message = try client.shareKeys(try SecAggKeyDirectory.decode(request.body), using: &random)
                session.client = client; session.random = random
                return AgentStepReply(message: message.encoded())
            case .maskedInput:
                guard var client = session.client, let input = session.input else { throw Self.outOfOrder(request) }
                let routed = try SecAggRoutedShares.decode(request.body)
                let masked = try client.maskedInput(input, routedShares: routed.shares)
                session.client = client
                let statement = UploadStatement(jobId: request.jobId, manifestSha256: session.held.job.manifestSha256, round: request.round,
                                                client: request.client, deltaSha256: masked.sha256)
                return AgentStepReply(message: masked.encoded(), signature: try sign(statement.bytes))
            case .unmasking:
                guard var client = session.client else { throw Self.outOfOrder(request) }
                let response = try client.unmask(try SecAggUnmaskingRequest.decode(request.body))
                session.client = client
                return AgentStepReply(message: response.encoded())
            }
        }
        if request.step == .unmasking { rounds.close(key) }
        return reply
    }

    static func outOfOrder(_ request: SecAggStepRequest) -> AgentError {
        .refused("SecAgg step \(request.step) of round \(request.round) came before the steps it follows")
    }
}
