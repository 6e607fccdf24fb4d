import Foundation

/// Axis arithmetic for the report's charts: "nice" tick values (1, 2 or 5 times a power of ten)
/// that cover the data, and tick labels with as many decimals as the step needs.
///
/// The tick rule is Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990): round the
/// raw step range/n to 1, 2, 5 or 10 × 10^k and widen the range outward to whole steps.
public struct ChartAxis: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var step: Double

    /// The tick values from `lower` to `upper` inclusive.
    public var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded())
        return (0...max(n, 0)).map { lower + Double($0) * step }
    }

    /// An axis covering `[low, high]` with about `count` intervals; `integral` keeps the step at
    /// least 1 (rounds are whole numbers).
    public init(covering low: Double, _ high: Double, count: Int = 5, integral: Bool = false) {
        precondition(low.isFinite && high.isFinite && low <= high && count > 0)
        var lo = low, hi = high
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= integral ? 1 : pad
            hi += integral ? 1 : pad
        }
        var step = ChartAxis.niceStep((hi - lo) / Double(count))
        if integral { step = max(1, step.rounded()) }
        self.step = step
        self.lower = (lo / step).rounded(.down) * step
        self.upper = (hi / step).rounded(.up) * step
    }

    /// The smallest of 1, 2, 5, 10 × 10^k that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// Maps a data value to a pixel coordinate between `from` (at `lower`) and `to` (at `upper`).
    public func position(_ value: Double, from: Double, to: Double) -> Double {
        from + (value - lower) / (upper - lower) * (to - from)
    }

    /// A tick label: thousands as k, millions as M, billions as G; decimals as the step needs.
    public func label(_ value: Double) -> String {
        let largest = max(abs(lower), abs(upper))
        let (scale, suffix): (Double, String) = largest >= 1e9 ? (1e9, "G") : largest >= 1e6 ? (1e6, "M") : largest >= 1e4 ? (1e3, "k") : (1, "")
        let scaledStep = step / scale
        let decimals = scaledStep >= 1 ? 0 : min(6, Int((-log10(scaledStep)).rounded(.up)))
        if abs(value) < step * 1e-9 { return "0" }
        let v = value / scale
        return String(format: "%.\(decimals)f", v) + suffix
    }
}
