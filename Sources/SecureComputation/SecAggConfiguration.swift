import Foundation
import Randomness

/// The public parameters of one pairwise-mask secure-aggregation round.
///
/// - SecAgg (Bonawitz et al. 2017, "Practical Secure Aggregation for Privacy-Preserving Machine
///   Learning", CCS'17, section 4 and figure 4): the complete graph, every client masks with every
///   other and shares its secrets t-out-of-n with everyone.
/// - SecAgg+ (Bell et al. 2020, "Secure Single-Server Aggregation with (Poly)Logarithmic
///   Overhead", CCS'20): a sparse random graph of degree k = O(log n); a client masks
///   only with its k neighbours and shares its secrets t-out-of-(k+1) among them and itself.
///   As in Google's reference implementation the graph is a Harary graph H(n, k) (client i is
///   joined to i ± 1 … ± k/2 around a ring) under a uniformly random relabelling of the clients.
public struct SecAggConfiguration: Sendable, Hashable {
    /// n, the number of clients selected for the round (ids 0..<n).
    public let clients: Int
    /// k, each client's number of neighbours (n − 1 for SecAgg).
    public let neighbors: Int
    /// t, the shares needed to reconstruct one client's secrets (the Shamir threshold).
    public let threshold: Int
    /// The model update length.
    public let parameters: Int
    /// The fixed-point encoding (its `maxSummands` is n).
    public let encoding: FixedPointEncoding

    /// Whether every client neighbours every other (SecAgg rather than SecAgg+).
    public var isCompleteGraph: Bool { neighbors == clients - 1 }

    /// - Throws: `invalidParameters` unless 2 ≤ n, 1 ≤ k ≤ n − 1, k even or k = n − 1 (Harary),
    ///   1 ≤ t ≤ k + 1, and the encoding admits n summands.
    public init(clients: Int, neighbors: Int, threshold: Int, parameters: Int, encoding: FixedPointEncoding) throws {
        guard clients >= 2 else { throw SecureComputationError.invalidParameters("secure aggregation needs at least 2 clients, got \(clients)") }
        guard (1...(clients - 1)).contains(neighbors) else {
            throw SecureComputationError.invalidParameters("the number of neighbours must be in 1...\(clients - 1), got \(neighbors)")
        }
        guard neighbors == clients - 1 || neighbors % 2 == 0 else {
            throw SecureComputationError.invalidParameters("a sparse (Harary) graph needs an even degree, got \(neighbors)")
        }
        guard (1...(neighbors + 1)).contains(threshold) else {
            throw SecureComputationError.invalidParameters("the threshold must be in 1...\(neighbors + 1) (neighbours and self), got \(threshold)")
        }
        guard encoding.maxSummands >= clients else {
            throw SecureComputationError.invalidParameters("the fixed-point encoding allows \(encoding.maxSummands) summands, the round has \(clients) clients")
        }
        guard parameters >= 1 else { throw SecureComputationError.invalidParameters("the update must have at least one parameter") }
        self.clients = clients
        self.neighbors = neighbors
        self.threshold = threshold
        self.parameters = parameters
        self.encoding = encoding
    }

    /// SecAgg on the complete graph with threshold t (default ⌊2n/3⌋ + 1, the margin Bonawitz et al.
    /// use against an active adversary; any t > n/2 keeps an honest majority of share holders).
    public static func secAgg(clients: Int, parameters: Int, fractionalBits: Int = 24, threshold: Int? = nil) throws -> SecAggConfiguration {
        try SecAggConfiguration(
            clients: clients, neighbors: clients - 1, threshold: threshold ?? (2 * clients / 3 + 1),
            parameters: parameters, encoding: FixedPointEncoding(fractionalBits: fractionalBits, maxSummands: clients))
    }

    /// SecAgg+ with the degree and threshold chosen for the expected dropout rate.
    ///
    /// Bell et al. pick k = O(log n) so that, with high probability, every neighbourhood keeps at
    /// least t live members and the graph on the survivors stays connected (else the server would
    /// learn the sums of its pieces). Here: t is an honest majority of the k + 1 holders
    /// (t = ⌊(k+1)/2⌋ + 1, so fewer than half a neighbourhood learns nothing), and k is the smallest
    /// even degree with k ≥ 2⌈log2 n⌉, n · P[Binomial(k+1, dropoutRate) > k + 1 − t] ≤
    /// `failureProbability` (a union bound over neighbourhoods) and n · dropoutRate^(k/2) ≤
    /// `failureProbability` (a union bound over the runs of k/2 consecutive ring positions whose loss
    /// would cut the Harary graph), falling back to the complete graph if none qualifies.
    public static func secAggPlus(clients: Int, parameters: Int, fractionalBits: Int = 24, dropoutRate: Double,
                                  failureProbability: Double = 1e-6, neighbors: Int? = nil,
                                  threshold: Int? = nil) throws -> SecAggConfiguration {
        guard (0..<1).contains(dropoutRate) else {
            throw SecureComputationError.invalidParameters("the dropout rate must be in [0, 1), got \(dropoutRate)")
        }
        let degree = neighbors ?? chooseDegree(clients: clients, dropoutRate: dropoutRate, failureProbability: failureProbability)
        return try SecAggConfiguration(
            clients: clients, neighbors: degree, threshold: threshold ?? ((degree + 1) / 2 + 1),
            parameters: parameters, encoding: FixedPointEncoding(fractionalBits: fractionalBits, maxSummands: clients))
    }

    static func chooseDegree(clients n: Int, dropoutRate p: Double, failureProbability: Double) -> Int {
        var k = 2 * Int(log2(Double(n)).rounded(.up))
        while k < n - 1 {
            if Double(n) * pow(p, Double(k / 2)) > failureProbability { k += 2; continue }
            let holders = k + 1, t = holders / 2 + 1
            // P[more than holders − t of the holders drop]
            var tail = 0.0
            for d in (holders - t + 1)...holders { tail += binomialPMF(holders, d, p) }
            if Double(n) * tail <= failureProbability { return k }
            k += 2
        }
        return n - 1
    }

    static func binomialPMF(_ n: Int, _ k: Int, _ p: Double) -> Double {
        if p == 0 { return k == 0 ? 1 : 0 }
        let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        return exp(logChoose + Double(k) * log(p) + Double(n - k) * log1p(-p))
    }
}

/// The public communication graph of a round: who masks with whom and who holds whose shares.
public struct SecAggGraph: Sendable, Hashable {
    /// neighbors[i]: the clients client i masks with and shares its secrets to, ascending.
    public let neighbors: [[Int]]

    /// The complete graph (SecAgg) or a Harary graph H(n, k) under a random relabelling drawn
    /// from `generator` (SecAgg+, Bell et al. 2020; the server draws it).
    public init(configuration: SecAggConfiguration, using generator: inout ChaCha20Generator) {
        let n = configuration.clients
        if configuration.isCompleteGraph {
            neighbors = (0..<n).map { i in (0..<n).filter { $0 != i } }
            return
        }
        // Fisher–Yates with an unbiased bounded draw: position → client.
        var label = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) {
            label.swapAt(i, Int(generator.nextBelow(UInt64(i + 1))))
        }
        var sets = [[Int]](repeating: [], count: n)
        let half = configuration.neighbors / 2
        for position in 0..<n {
            for step in 1...half {
                sets[label[position]].append(label[(position + step) % n])
                sets[label[position]].append(label[(position - step + n) % n])
            }
        }
        neighbors = sets.map { $0.sorted() }
    }

    /// The number of connected components of the graph restricted to `members`.
    public func components(among members: Set<Int>) -> Int {
        var seen = Set<Int>(), count = 0
        for start in members.sorted() where !seen.contains(start) {
            count += 1
            var stack = [start]
            seen.insert(start)
            while let u = stack.popLast() {
                for v in neighbors[u] where members.contains(v) && !seen.contains(v) {
                    seen.insert(v)
                    stack.append(v)
                }
            }
        }
        return count
    }

    /// The holders of client i's shares: its neighbours and itself, ascending.
    public func holders(of client: Int) -> [Int] { (neighbors[client] + [client]).sorted() }
}
