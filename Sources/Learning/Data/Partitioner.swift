import Randomness

/// How a training set is split among federated clients.
public enum PartitionScheme: Sendable, Equatable, Codable {
    /// Uniformly shuffled, equal-size parts.
    case iid
    /// Label skew: for each class, client proportions ~ Dirichlet(α, …, α) (Hsu, Qi, Brown 2019,
    /// "Measuring the Effects of Non-Identical Data Distribution for Federated Visual
    /// Classification", §3). Small α concentrates each class on few clients.
    case dirichlet(alpha: Double)
    /// Pathological non-IID split of McMahan et al. 2017 (AISTATS, §3): sort by label, cut into
    /// `shardsPerClient · clients` equal shards, deal `shardsPerClient` random shards to each client.
    case shards(shardsPerClient: Int)
}

/// Misuse of the partitioner that a manifest can cause.
public enum PartitionError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidClientCount(clients: Int, examples: Int)
    case invalidAlpha(Double)
    case tooFewExamplesForShards(examples: Int, shards: Int)

    public var description: String {
        switch self {
        case .invalidClientCount(let clients, let examples):
            return "cannot split \(examples) examples among \(clients) clients (need 1 ≤ clients ≤ examples)"
        case .invalidAlpha(let alpha):
            return "Dirichlet concentration alpha must be positive and finite, got \(alpha)"
        case .tooFewExamplesForShards(let examples, let shards):
            return "\(examples) examples cannot be cut into \(shards) non-empty shards"
        }
    }
}

/// Deterministic partitioning of example indices among clients: the same labels, scheme and
/// generator state give the same split. Each client's index list is returned in ascending order.
public enum Partitioner {
    /// Splits `0..<labels.count` among `clients` clients.
    /// - Returns: one ascending index list per client; together they cover every index exactly once,
    ///   and every client gets at least one example.
    /// - Throws: `PartitionError` for impossible requests.
    public static func partition(labels: [UInt8], clients: Int, scheme: PartitionScheme,
                                 generator: inout ChaCha20Generator) throws(PartitionError) -> [[Int]] {
        guard clients >= 1 && clients <= labels.count else {
            throw .invalidClientCount(clients: clients, examples: labels.count)
        }
        switch scheme {
        case .iid:
            return iid(count: labels.count, clients: clients, generator: &generator)
        case .dirichlet(let alpha):
            guard alpha > 0 && alpha.isFinite else { throw .invalidAlpha(alpha) }
            return dirichlet(labels: labels, clients: clients, alpha: alpha, generator: &generator)
        case .shards(let perClient):
            let shardCount = perClient * clients
            guard perClient >= 1 && shardCount <= labels.count else {
                throw .tooFewExamplesForShards(examples: labels.count, shards: shardCount)
            }
            return shards(labels: labels, clients: clients, shardsPerClient: perClient, generator: &generator)
        }
    }

    /// Fisher–Yates shuffle of all indices, then client c takes positions ⌊c·n/K⌋ ..< ⌊(c+1)·n/K⌋.
    static func iid(count n: Int, clients: Int, generator: inout ChaCha20Generator) -> [[Int]] {
        var order = Array(0..<n)
        Shuffle.fisherYates(&order, generator: &generator)
        return (0..<clients).map { c in Array(order[(c * n / clients)..<((c + 1) * n / clients)]).sorted() }
    }

    /// Per class (in label order): shuffle the class's indices, draw proportions p ~ Dir(α),
    /// give client c ⌊p_c·m⌋ examples plus one more to the largest remainders (ties to the lower
    /// client) so counts sum to the class size m. Afterwards each empty client takes the last
    /// index of the currently largest client (ties to the lower client), so none is empty.
    static func dirichlet(labels: [UInt8], clients: Int, alpha: Double,
                          generator: inout ChaCha20Generator) -> [[Int]] {
        var parts = [[Int]](repeating: [], count: clients)
        let classes = Int(labels.max() ?? 0) + 1
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, label) in labels.enumerated() { byClass[Int(label)].append(i) }
        for var members in byClass where !members.isEmpty {
            Shuffle.fisherYates(&members, generator: &generator)
            let p = GammaSampler.dirichlet(alpha: alpha, dimension: clients, generator: &generator)
            let counts = apportion(total: members.count, proportions: p)
            var start = 0
            for c in 0..<clients {
                parts[c].append(contentsOf: members[start..<(start + counts[c])])
                start += counts[c]
            }
        }
        for c in 0..<clients where parts[c].isEmpty {
            var donor = 0
            for d in 1..<clients where parts[d].count > parts[donor].count { donor = d }
            parts[c].append(parts[donor].removeLast())
        }
        return parts.map { $0.sorted() }
    }

    /// Largest-remainder rounding of `total · proportions` to integers summing to `total`.
    static func apportion(total: Int, proportions: [Double]) -> [Int] {
        var counts = proportions.map { Int((Double(total) * $0).rounded(.down)) }
        var left = total - counts.reduce(0, +)
        let byRemainder = proportions.indices.sorted { a, b in
            let ra = Double(total) * proportions[a] - Double(counts[a])
            let rb = Double(total) * proportions[b] - Double(counts[b])
            return ra != rb ? ra > rb : a < b
        }
        var i = 0
        while left > 0 {
            counts[byRemainder[i % byRemainder.count]] += 1
            left -= 1
            i += 1
        }
        return counts
    }

    /// Stable sort by label, cut at ⌊s·n/S⌋ into S = shardsPerClient·clients shards, shuffle the
    /// shard order, and deal consecutive runs of `shardsPerClient` shards to clients 0, 1, ….
    static func shards(labels: [UInt8], clients: Int, shardsPerClient: Int,
                       generator: inout ChaCha20Generator) -> [[Int]] {
        let n = labels.count
        let sorted = labels.indices.sorted { labels[$0] != labels[$1] ? labels[$0] < labels[$1] : $0 < $1 }
        let shardCount = shardsPerClient * clients
        var shardOrder = Array(0..<shardCount)
        Shuffle.fisherYates(&shardOrder, generator: &generator)
        return (0..<clients).map { c in
            var part: [Int] = []
            for s in shardOrder[(c * shardsPerClient)..<((c + 1) * shardsPerClient)] {
                part.append(contentsOf: sorted[(s * n / shardCount)..<((s + 1) * n / shardCount)])
            }
            return part.sorted()
        }
    }
}
