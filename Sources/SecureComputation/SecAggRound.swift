import Wire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Randomness

/// CPU seconds used by this process so far (all threads), to report work independently of how
/// busy a shared machine is.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// When a simulated client stops answering (Bonawitz et al. 2017, section 4: users may drop at
/// any round; the protocol must tolerate drops after the share exchange).
public enum SecAggDropoutPoint: String, Sendable, Hashable, CaseIterable {
    /// Advertised keys, then vanished: it holds no shares and nobody masks with it.
    case beforeShareKeys
    /// Shared keys but never uploaded: its pairwise masks sit in its neighbours' inputs and the
    /// server removes them with its reconstructed masking key.
    case beforeMaskedInput
    /// Uploaded but never answered the unmasking request: its input counts, its self mask is
    /// reconstructed from the others' shares.
    case beforeUnmasking
}

/// Which clients drop where in a simulated round.
public struct SecAggDropouts: Sendable, Hashable {
    public var points: [Int: SecAggDropoutPoint]

    public init(_ points: [Int: SecAggDropoutPoint] = [:]) { self.points = points }

    public static let none = SecAggDropouts()

    /// ⌊rate · clients + ½⌋ clients, drawn uniformly without replacement, all dropping at `point`.
    public static func random(clients: Int, rate: Double, at point: SecAggDropoutPoint = .beforeMaskedInput,
                              using generator: inout ChaCha20Generator) -> SecAggDropouts {
        let count = min(clients, Int((rate * Double(clients)).rounded()))
        var ids = Array(0..<clients)
        for i in 0..<count { ids.swapAt(i, i + Int(generator.nextBelow(UInt64(clients - i)))) }
        return SecAggDropouts(Dictionary(uniqueKeysWithValues: ids.prefix(count).map { ($0, point) }))
    }

    func drops(_ client: Int, at point: SecAggDropoutPoint) -> Bool { points[client] == point }
}

/// Bytes each party sent and received in one round.
public struct SecureAggregationTraffic: Sendable, Hashable {
    /// Bytes sent by each client (index = client id; 0 for clients that sent nothing).
    public var clientSent: [Int]
    /// Bytes received by each client.
    public var clientReceived: [Int]
    public var serverSent = 0
    public var serverReceived = 0
    /// Bytes each share-holder received (additive aggregation; empty for SecAgg).
    public var shareHolderReceived: [Int] = []
    /// Bytes each share-holder sent the aggregator (additive aggregation; empty for SecAgg).
    public var shareHolderSent: [Int] = []

    public init(clients: Int) {
        clientSent = [Int](repeating: 0, count: clients)
        clientReceived = [Int](repeating: 0, count: clients)
    }

    /// Mean bytes sent plus received per client.
    public var meanBytesPerClient: Double {
        Double(zip(clientSent, clientReceived).reduce(0) { $0 + $1.0 + $1.1 }) / Double(max(1, clientSent.count))
    }

    /// The largest upload of any client.
    public var maxClientSent: Int { clientSent.max() ?? 0 }

    /// Server traffic, both directions.
    public var serverBytes: Int { serverSent + serverReceived }
}

/// The outcome of one simulated secure-aggregation round.
public struct SecureAggregationOutcome: Sendable {
    /// Σ of the included clients' encoded inputs in Z_(2^64).
    public let ringSum: [UInt64]
    /// The decoded sum.
    public let sum: [Double]
    /// The clients whose inputs are in the sum, ascending.
    public let includedClients: [Int]
    /// Clients that dropped at any point, ascending.
    public let droppedClients: [Int]
    public let traffic: SecureAggregationTraffic
    /// Wall-clock seconds of the server's unmasking/reconstruction step (the dropout recovery).
    public let recoverySeconds: Double
    /// Wall-clock seconds of the whole round, clients included.
    public let totalSeconds: Double
    /// CPU seconds of the whole round over all threads (wall time ≈ this / threads on an idle machine).
    public let cpuSeconds: Double
}

/// The whole SecAgg / SecAgg+ protocol run in process as explicit rounds of messages between
/// `SecAggClient`s and a `SecAggServer`, with dropouts injected per `SecAggDropouts` and every
/// message carried on the common frame, its bytes counted as they crossed. Client work within a round runs on `threads` threads (fixed split).
///
/// Randomness: client i draws its keys, seeds and Shamir coefficients from stream
/// `client/<i>/secagg` of `streams`; the server draws the SecAgg+ graph from `server/graph`.
public enum SecAggRound {
    /// Runs one round on fixed-point encoded inputs (`inputs[i]` is client i's x_i; all n given).
    /// - Throws: `tooFewSurvivors` / `secretUnrecoverable` when dropouts leave fewer than t, and
    ///   any protocol error of the parties.
    public static func run(configuration: SecAggConfiguration, encodedInputs inputs: [[UInt64]],
                           dropouts: SecAggDropouts = .none, streams: ScopedRandomStreams,
                           threads: Int = 1) throws -> SecureAggregationOutcome {
        try run(configuration: configuration, encodedInputs: inputs, dropouts: dropouts,
                randomness: SecAggPartyRandomness(streams: streams), threads: threads)
    }

    /// `run` with each party's randomness from its own source (in a job: each client's own
    /// secret root, and the aggregator's for the server).
    ///
    /// Every message crosses `carry` as its encoding on the common frame (`WireMessage`) and is
    /// decoded by its receiver; the traffic counts the bytes that crossed.
    public static func run(configuration: SecAggConfiguration, encodedInputs inputs: [[UInt64]],
                           dropouts: SecAggDropouts = .none, randomness: SecAggPartyRandomness,
                           threads: Int = 1, carry: SecAggCarrier = { bytes, _, _ in bytes }) throws -> SecureAggregationOutcome {
        guard inputs.count == configuration.clients else {
            throw SecureComputationError.invalidParameters("the round has \(configuration.clients) clients but \(inputs.count) inputs")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = processCPUSeconds()
        let n = configuration.clients
        var traffic = SecureAggregationTraffic(clients: n)
        var serverRandom = randomness.server
        let graph = SecAggGraph(configuration: configuration, using: &serverRandom)
        var server = SecAggServer(configuration: configuration, graph: graph)

        // Round 0: key generation and advertisement.
        var clientState: [(client: SecAggClient, random: ChaCha20Generator)] = (0..<n).map { i in
            var g = randomness.client(i)
            return (SecAggClient(id: i, configuration: configuration, graph: graph, using: &g), g)
        }
        func up<M: WireMessage>(_ message: M, from i: Int) throws -> M {
            let delivery = try M.deliver(message) { try carry($0, .client(i), .server) }
            traffic.clientSent[i] += delivery.bytes; traffic.serverReceived += delivery.bytes
            return delivery.message
        }
        func down<M: WireMessage>(_ message: M, to i: Int) throws -> M {
            let delivery = try M.deliver(message) { try carry($0, .server, .client(i)) }
            traffic.clientReceived[i] += delivery.bytes; traffic.serverSent += delivery.bytes
            return delivery.message
        }
        let adverts = try clientState.map { try up($0.client.advertiseKeys(), from: $0.client.id) }
        let directories = try server.collectKeys(adverts)

        // Round 1: share keys (clients in parallel).
        let round1 = (0..<n).filter { !dropouts.drops($0, at: .beforeShareKeys) }
        var received: [Int: SecAggKeyDirectory] = [:]
        for i in round1 { received[i] = try down(directories[i]!, to: i) }
        let round1Results = try withStates(&clientState) { states in
            try FixedSplit.map(round1.count, threads: threads) { j -> SecAggShareKeysMessage in
                let i = round1[j]
                return try states.pointer[i].client.shareKeys(received[i]!, using: &states.pointer[i].random)
            }
        }
        let routed = try server.routeShares(try round1Results.map { try up($0, from: $0.client) })

        // Round 2: masked inputs.
        let round2 = round1.filter { !dropouts.drops($0, at: .beforeMaskedInput) }
        var routedTo: [Int: [SecAggEncryptedShare]] = [:]
        for i in round1 { routedTo[i] = try down(SecAggRoutedShares(client: i, shares: routed[i]!), to: i).shares }
        let masked = try withStates(&clientState) { states in
            try FixedSplit.map(round2.count, threads: threads) { j -> SecAggMaskedInput in
                let i = round2[j]
                return try states.pointer[i].client.maskedInput(inputs[i], routedShares: routedTo[i]!)
            }
        }
        let request = try server.collectMaskedInputs(try masked.map { try up($0, from: $0.client) })

        // Round 4: unmasking.
        let round4 = round2.filter { !dropouts.drops($0, at: .beforeUnmasking) }
        var requests: [Int: SecAggUnmaskingRequest] = [:]
        for i in round2 { requests[i] = try down(request, to: i) }
        // Each client records what it reveals (SecAggClient.unmask is mutating), so answer in place.
        var responses: [SecAggUnmaskingResponse] = []
        for i in round4 { responses.append(try up(try clientState[i].client.unmask(requests[i]!), from: i)) }
        let recoveryStart = clock.now
        let ringSum = try server.unmask(responses, threads: threads)
        let end = clock.now

        return SecureAggregationOutcome(
            ringSum: ringSum, sum: configuration.encoding.decode(ringSum), includedClients: server.uploaded,
            droppedClients: dropouts.points.keys.sorted(), traffic: traffic,
            recoverySeconds: Self.seconds(end - recoveryStart), totalSeconds: Self.seconds(end - start),
            cpuSeconds: processCPUSeconds() - cpuStart)
    }

    /// Runs one round on float updates, encoding them with `configuration.encoding`.
    /// - Throws: also `fixedPointOverflow` for an update outside the encoding's range.
    public static func run(configuration: SecAggConfiguration, updates: [[Float]], dropouts: SecAggDropouts = .none,
                           streams: ScopedRandomStreams, threads: Int = 1) throws -> SecureAggregationOutcome {
        try run(configuration: configuration, encodedInputs: updates.map { try configuration.encoding.encode($0) },
                dropouts: dropouts, streams: streams, threads: threads)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Lends worker threads the client states; each thread touches only its own clients.
    static func withStates<R>(_ states: inout [(client: SecAggClient, random: ChaCha20Generator)],
                              _ body: (SendablePointer<(client: SecAggClient, random: ChaCha20Generator)>) throws -> R) rethrows -> R {
        try states.withUnsafeMutableBufferPointer { try body(SendablePointer($0.baseAddress!)) }
    }
}

/// A party of a SecAgg round, as the carrier of its messages sees it.
public enum SecAggEndpoint: Sendable, Hashable {
    case server
    /// Protocol client i (0..<n).
    case client(Int)
}

/// Moves one encoded message from a party to another and returns the bytes that arrived: the
/// identity in process, a `Transport` in a job (`SecureSum.aggregate`), a network between machines.
public typealias SecAggCarrier = @Sendable ([UInt8], SecAggEndpoint, SecAggEndpoint) throws -> [UInt8]

/// Where each party of a SecAgg round draws its randomness: client i its keys, seeds and Shamir
/// coefficients from `client(i)`, the server the SecAgg+ graph from `server`.
public struct SecAggPartyRandomness: Sendable {
    public var server: ChaCha20Generator
    public var client: @Sendable (Int) -> ChaCha20Generator

    public init(server: ChaCha20Generator, client: @escaping @Sendable (Int) -> ChaCha20Generator) {
        self.server = server; self.client = client
    }

    /// Every party's from one set of streams (`server/graph`, `client/<i>/secagg`): tests and benchmarks.
    public init(streams: ScopedRandomStreams) {
        self.init(server: streams.generator("server/graph"), client: { streams.generator("client/\($0)/secagg") })
    }
}
