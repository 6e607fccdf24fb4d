import Foundation

/// The ziggurat method for the standard normal (Marsaglia & Tsang 2000, "The Ziggurat Method for
/// Generating Random Variables", J. Stat. Softw. 5(8)), with 256 layers and Marsaglia's (1964)
/// exact algorithm for the tail.
///
/// The half-density f(x) = exp(−x²/2) on x ≥ 0 is covered by 256 horizontal layers of equal
/// area v: layer 0 is the rectangle [0, r] × [0, f(r)] plus the tail beyond r; layer i (1…254)
/// is [0, xᵢ] × [f(xᵢ), f(xᵢ₊₁)] with x₁ = r; layer 255 is [0, x₂₅₅] × [f(x₂₅₅), 1]. A uniform
/// layer and a uniform point in it, kept when under the curve, is a uniform point under the
/// curve, so its abscissa is exactly half-normal; a random sign makes it N(0, 1). 98.8% of draws
/// take one keystream word, one multiply and one compare (the point lies left of xᵢ₊₁); the rest
/// evaluate exp (wedge test) or log (tail) and may retry with fresh words.
///
/// Tables: r is solved at first use in Double by bisection so that the 256 layers have equal
/// area to rounding (v = r·f(r) + √(π/2)·erfc(r/√2)); no constant is hard-coded. The tests compare
/// r and v with the published r = 3.6541528853610088, v = 4.92867323399e-3.
struct ZigguratTables: Sendable {
    static let layers = 256
    static let shared = ZigguratTables()

    /// Right edge of each layer's bounding rectangle: `x[0]` = v/f(r) (the base layer's
    /// width-equivalent), `x[1]` = r, …, `x[255]`, and `x[256]` = 0.
    let x: [Double]
    /// f(x[i]) = exp(−x[i]²/2) for i ≥ 1 (`f[0]` = f(r), unused); `f[256]` = 1.
    let f: [Double]
    let r: Double
    let v: Double

    static func density(_ x: Double) -> Double { exp(-0.5 * x * x) }

    static func layerArea(r: Double) -> Double {
        r * density(r) + (Double.pi / 2).squareRoot() * erfc(r / 2.0.squareRoot())
    }

    /// Edges x₁ = r, …, x₂₅₅ for `r`; nil when the layers exhaust the density early (r too small).
    static func edges(r: Double) -> [Double]? {
        let v = layerArea(r: r)
        var edges = [r]
        for _ in 2..<layers {
            let last = edges[edges.count - 1]
            let height = v / last + density(last)
            if height >= 1 { return nil }
            edges.append((-2 * log(height)).squareRoot())
        }
        return edges
    }

    init() {
        // Larger r → thinner layers → more area left for the top layer. Bisect r until the top
        // layer's area x₂₅₅·(1 − f(x₂₅₅)) equals v.
        var lo = 3.0, hi = 4.5
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if let e = Self.edges(r: mid), e[e.count - 1] * (1 - Self.density(e[e.count - 1])) > Self.layerArea(r: mid) {
                hi = mid
            } else {
                lo = mid
            }
        }
        let r = hi, v = Self.layerArea(r: hi)
        let x = [v / Self.density(r)] + Self.edges(r: r)! + [0]
        self.r = r
        self.v = v
        self.x = x
        self.f = x.enumerated().map { i, xi in i == 0 ? Self.density(r) : Self.density(xi) }
    }

    /// One standard normal from `source`; `x`, `f` are the tables' storage.
    @inline(__always)
    static func standardNormal<S: UniformWordSource>(_ source: inout S, x: UnsafePointer<Double>, f: UnsafePointer<Double>, r: Double) -> Double {
        while true {
            let w = source.nextWord()
            let i = Int(truncatingIfNeeded: w & 0xFF)
            // Bits 11…63 (53 bits) place the point in [0, x[i]); bits 0…7 pick the layer and bit 8
            // the sign, disjoint from them. The sign is moved into the IEEE sign bit rather than
            // branched on: a branch on a fair coin is mispredicted half the time. Negating a
            // non-negative double this way is exact, the same bits as multiplying by −1.
            let signBit = (w & 0x100) << 55
            let z = Double(Int64(bitPattern: w >> 11)) * 0x1.0p-53 * x[i]
            if z < x[i + 1] { return Double(bitPattern: z.bitPattern | signBit) }
            let slow = outside(&source, layer: i, z: z, f: f, r: r)
            if slow >= 0 { return Double(bitPattern: slow.bitPattern | signBit) }
        }
    }

    /// The 1.2% of draws right of the inner edge: tail (layer 0) or wedge test. Returns the
    /// half-normal value, or −1 to retry.
    @inline(never)
    static func outside<S: UniformWordSource>(_ source: inout S, layer i: Int, z: Double, f: UnsafePointer<Double>, r: Double) -> Double {
        if i == 0 {
            // Marsaglia (1964): for U₁, U₂ ∈ (0, 1], a = −ln U₁ / r, b = −ln U₂, accept when
            // 2b > a²; then r + a has the normal density conditioned on exceeding r.
            while true {
                let a = -log(unitOpenZero(source.nextWord())) / r
                let b = -log(unitOpenZero(source.nextWord()))
                if 2 * b > a * a { return r + a }
            }
        }
        let y = f[i] + Double(Int64(bitPattern: source.nextWord() >> 11)) * 0x1.0p-53 * (f[i + 1] - f[i])
        return y < density(z) ? z : -1
    }

    /// A uniform in (0, 1] from the top 53 bits of `w`.
    @inline(__always)
    static func unitOpenZero(_ w: UInt64) -> Double {
        Double(Int64(bitPattern: (w >> 11) + 1)) * 0x1.0p-53
    }
}
