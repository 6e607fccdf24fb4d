import Wire

/// What the server tells a client before round 0 when the parties are on different machines:
/// the round's public parameters, the client's protocol id, and the graph the server drew. A
/// client that runs in the server's process shares these values; one across a network must
/// receive them, and must not take them on trust — `SecAggGraph(received:configuration:)`
/// checks the graph, and the receiver compares the configuration with the one its own copy of
/// the job's settings gives (an agent does, in `AgentDevice`).
public struct SecAggRoundSetup: Sendable, Hashable, WireMessage {
    public static let wireKind: UInt16 = 17
    public let configuration: SecAggConfiguration
    public let graph: SecAggGraph
    /// The receiver's protocol id (0..<n).
    public let id: Int

    public init(configuration: SecAggConfiguration, graph: SecAggGraph, id: Int) {
        self.configuration = configuration; self.graph = graph; self.id = id
    }

    public func encodedPayload() -> [UInt8] {
        var w = WireWriter()
        let c = configuration
        for v in [c.clients, c.neighbors, c.threshold, c.parameters, c.encoding.fractionalBits, c.encoding.maxSummands, id] { w.u32(UInt32(v)) }
        for list in graph.neighbors { for v in list { w.u32(UInt32(v)) } }
        return w.bytes
    }

    public static func decodePayload(_ r: inout WireReader) throws -> SecAggRoundSetup {
        let n = Int(try r.u32("clients")), k = Int(try r.u32("neighbors")), t = Int(try r.u32("threshold"))
        let parameters = Int(try r.u32("parameters")), bits = Int(try r.u32("fractional_bits")), summands = Int(try r.u32("max_summands"))
        let id = Int(try r.u32("id"))
        guard (1...1 << 16).contains(n), k < n, (0..<n).contains(id) else {
            throw WireError.invalidValue(field: "clients", reason: "\(n) clients of degree \(k) with id \(id) is not a round")
        }
        let configuration: SecAggConfiguration
        do {
            configuration = try SecAggConfiguration(clients: n, neighbors: k, threshold: t, parameters: parameters,
                                                    encoding: try FixedPointEncoding(fractionalBits: bits, maxSummands: summands))
        } catch { throw WireError.invalidValue(field: "configuration", reason: "\(error)") }
        var lists: [[Int]] = []
        for _ in 0..<n { lists.append(try (0..<k).map { _ in Int(try r.u32("neighbor")) }) }
        do {
            return SecAggRoundSetup(configuration: configuration, graph: try SecAggGraph(received: lists, configuration: configuration), id: id)
        } catch { throw WireError.invalidValue(field: "graph", reason: "\(error)") }
    }
}

extension SecAggGraph {
    /// A graph as another party sent it, accepted only if it is one `init(configuration:using:)`
    /// could have drawn in shape: n ascending lists of k distinct clients in range, without
    /// loops, and symmetric (u masks with v exactly when v masks with u — else their pairwise
    /// masks would not cancel); the complete graph when the configuration says so.
    /// - Throws: `malformedMessage` naming the first defect.
    public init(received neighbors: [[Int]], configuration: SecAggConfiguration) throws {
        let n = configuration.clients, k = configuration.neighbors
        guard neighbors.count == n else { throw SecureComputationError.malformedMessage("a graph of \(neighbors.count) clients for a round of \(n)") }
        let sets = neighbors.map(Set.init)
        for (u, list) in neighbors.enumerated() {
            guard list.count == k, sets[u].count == k, list == list.sorted(), list.allSatisfy({ (0..<n).contains($0) && $0 != u }) else {
                throw SecureComputationError.malformedMessage("client \(u)'s neighbours \(list) are not \(k) other clients in ascending order")
            }
            for v in list where !sets[v].contains(u) {
                throw SecureComputationError.malformedMessage("the graph is not symmetric: \(u) masks with \(v) but not \(v) with \(u)")
            }
        }
        self.neighbors = neighbors
    }
}
