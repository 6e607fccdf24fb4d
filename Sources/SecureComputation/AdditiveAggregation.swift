import Wire
import Randomness

/// What a client sends one share-holder in additive secure aggregation.
public struct AdditiveShareMessage: Sendable, Hashable {
    public let client: Int
    public let holder: Int
    public let share: AdditiveShare

    public init(client: Int, holder: Int, share: AdditiveShare) {
        self.client = client; self.holder = holder; self.share = share
    }
}

/// What a share-holder sends the aggregator: the sum of the shares it received and whose.
public struct PartialSumMessage: Sendable, Hashable {
    public let holder: Int
    /// The clients whose shares are in `sum`, ascending.
    public let clients: [Int]
    public let sum: [UInt64]

    public init(holder: Int, clients: [Int], sum: [UInt64]) {
        self.holder = holder; self.clients = clients; self.sum = sum
    }
}

/// `secure_aggregation: additive` — each client splits its fixed-point update into M additive
/// shares (M − 1 seeds and one vector), one per non-colluding share-holder; each holder sums the
/// shares it receives; the aggregator adds the M partial sums and learns only Σ_clients x_c.
///
/// Security: the aggregator and any M − 1 holders together see only uniformly distributed
/// shares of each client's update (n-of-n additive sharing); only all M holders colluding
/// recover an individual update. This is the share-holder model of the seed's alice / bob /
/// crypto_provider example and of Prio-like deployments.
public struct AdditiveAggregation: Sendable {
    /// M, the number of share-holders (2 or 3 in the manifest; any M ≥ 2 works).
    public let holders: Int
    /// The fixed-point encoding; its `maxSummands` must be at least the number of clients.
    public let encoding: FixedPointEncoding

    /// - Throws: `invalidParameters` if M < 2.
    public init(holders: Int, encoding: FixedPointEncoding) throws {
        guard holders >= 2 else {
            throw SecureComputationError.invalidParameters("additive sharing needs at least 2 share-holders, got \(holders)")
        }
        self.holders = holders
        self.encoding = encoding
    }

    /// Client side: encode `update` and split it, one message per holder.
    /// - Throws: `fixedPointOverflow` / `nonFiniteValue` from the encoding.
    public func protect(update: [Float], client: Int, using generator: inout ChaCha20Generator) throws -> [AdditiveShareMessage] {
        let encoded = try encoding.encode(update)
        let shares = AdditiveSecretSharing.share(encoded, holders: holders, using: &generator)
        return shares.enumerated().map { AdditiveShareMessage(client: client, holder: $0.offset, share: $0.element) }
    }

    /// Aggregator side: adds the holders' partial sums and decodes.
    /// - Throws: `tooFewSurvivors` if a holder's partial sum is missing, `malformedMessage` if the
    ///   holders summed different client sets, `lengthMismatch` on different lengths.
    public func reconstruct(_ partials: [PartialSumMessage]) throws -> [Double] {
        try encoding.decode(reconstructRing(partials))
    }

    /// As `reconstruct`, but the ring sum itself.
    public func reconstructRing(_ partials: [PartialSumMessage]) throws -> [UInt64] {
        guard Set(partials.map(\.holder)) == Set(0..<holders), partials.count == holders else {
            throw SecureComputationError.tooFewSurvivors(
                stage: "additive reconstruction (share-holders)", survivors: Set(partials.map(\.holder)).count, threshold: holders)
        }
        let clients = partials[0].clients
        guard partials.allSatisfy({ $0.clients == clients }) else {
            throw SecureComputationError.malformedMessage("share-holders summed different sets of clients")
        }
        guard clients.count <= encoding.maxSummands else {
            throw SecureComputationError.invalidParameters(
                "\(clients.count) clients exceed the encoding's \(encoding.maxSummands) summands")
        }
        var total = [UInt64](repeating: 0, count: partials[0].sum.count)
        for p in partials {
            guard p.sum.count == total.count else { throw SecureComputationError.lengthMismatch(expected: total.count, got: p.sum.count) }
            RingVector.add(p.sum, into: &total)
        }
        return total
    }
}

/// One share-holder of additive aggregation: keeps the running sum of the shares it receives.
public struct AdditiveShareHolder: Sendable {
    public let holder: Int
    public private(set) var sum: [UInt64]
    public private(set) var clients: [Int] = []

    public init(holder: Int, parameters: Int) {
        self.holder = holder
        self.sum = [UInt64](repeating: 0, count: parameters)
    }

    /// Adds one client's share (a seed is expanded straight into the sum).
    /// - Throws: `malformedMessage` for a message meant for another holder or a repeated client,
    ///   `lengthMismatch` for a share of the wrong length.
    public mutating func receive(_ message: AdditiveShareMessage) throws {
        guard message.holder == holder else {
            throw SecureComputationError.malformedMessage("share for holder \(message.holder) delivered to holder \(holder)")
        }
        guard !clients.contains(message.client) else {
            throw SecureComputationError.malformedMessage("client \(message.client) sent holder \(holder) two shares")
        }
        guard message.share.count == sum.count else {
            throw SecureComputationError.lengthMismatch(expected: sum.count, got: message.share.count)
        }
        message.share.add(into: &sum)
        clients.append(message.client)
    }

    /// The message to the aggregator.
    public func partialSum() -> PartialSumMessage {
        let order = clients.sorted()
        return PartialSumMessage(holder: holder, clients: order, sum: sum)
    }
}

extension AdditiveAggregation {
    /// One whole round in process: every client not in `dropped` splits its encoded input among
    /// the M holders, each holder sums what it received, the aggregator adds the partial sums.
    /// Client i draws its seeds from stream `client/<i>/additive` of `streams`; clients split and
    /// holders sum on `threads` threads (fixed split).
    /// - Throws: `tooFewSurvivors` if every client dropped, and the errors of `reconstructRing`.
    public func run(encodedInputs inputs: [[UInt64]], dropped: Set<Int> = [], streams: ScopedRandomStreams,
                    threads: Int = 1) throws -> SecureAggregationOutcome {
        let clock = ContinuousClock()
        let start = clock.now, cpuStart = processCPUSeconds()
        let senders = inputs.indices.filter { !dropped.contains($0) }
        guard let length = senders.first.map({ inputs[$0].count }) else {
            throw SecureComputationError.tooFewSurvivors(stage: "additive shares", survivors: 0, threshold: 1)
        }
        // Every message crosses as its encoding on the common frame (`WireMessage`) and is read
        // back by its receiver, so the byte counts are the lengths that crossed.
        let frames: [[[UInt8]]] = try FixedSplit.map(senders.count, threads: threads) { j in
            let c = senders[j]
            guard inputs[c].count == length else { throw SecureComputationError.lengthMismatch(expected: length, got: inputs[c].count) }
            var g = streams.generator("client/\(c)/additive")
            return AdditiveSecretSharing.share(inputs[c], holders: holders, using: &g).enumerated().map {
                AdditiveShareMessage(client: c, holder: $0.offset, share: $0.element).encoded()
            }
        }
        let recoveryStart = clock.now
        let partialFrames: [[UInt8]] = try FixedSplit.map(holders, threads: threads) { h in
            var holder = AdditiveShareHolder(holder: h, parameters: length)
            for clientFrames in frames { try holder.receive(try AdditiveShareMessage.decode(clientFrames[h])) }
            return holder.partialSum().encoded()
        }
        let ring = try reconstructRing(try partialFrames.map { try PartialSumMessage.decode($0) })
        let end = clock.now
        var traffic = SecureAggregationTraffic(clients: inputs.count)
        for (c, clientFrames) in zip(senders, frames) { traffic.clientSent[c] = clientFrames.reduce(0) { $0 + $1.count } }
        traffic.shareHolderReceived = (0..<holders).map { h in frames.reduce(0) { $0 + $1[h].count } }
        traffic.shareHolderSent = partialFrames.map(\.count)
        traffic.serverReceived = partialFrames.reduce(0) { $0 + $1.count }
        return SecureAggregationOutcome(
            ringSum: ring, sum: encoding.decode(ring), includedClients: senders, droppedClients: dropped.sorted(),
            traffic: traffic, recoverySeconds: SecAggRound.seconds(end - recoveryStart),
            totalSeconds: SecAggRound.seconds(end - start), cpuSeconds: processCPUSeconds() - cpuStart)
    }

    /// As `run(encodedInputs:…)` on float updates.
    /// - Throws: also `fixedPointOverflow` for an update outside the encoding's range.
    public func run(updates: [[Float]], dropped: Set<Int> = [], streams: ScopedRandomStreams,
                    threads: Int = 1) throws -> SecureAggregationOutcome {
        try run(encodedInputs: updates.map { try encoding.encode($0) }, dropped: dropped, streams: streams, threads: threads)
    }
}
