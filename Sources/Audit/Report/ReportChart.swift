/// The position of a point along a chart's x axis: a number (a round) or a category (a stage).
public enum ChartX: Codable, Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case category(String)

    /// Integers print without a fraction (`3`, not `3.0`); other reals in Swift's shortest
    /// round-trip form, so the text parses back to the same `Double`.
    public var description: String {
        switch self {
        case .number(let x): return ChartX.text(x)
        case .category(let c): return c
        }
    }

    static func text(_ x: Double) -> String {
        if x.isFinite, x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let x = try? c.decode(Double.self) { self = .number(x) } else { self = .category(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let x): try c.encode(x)
        case .category(let s): try c.encode(s)
        }
    }
}

/// One plotted value.
public struct ChartPoint: Codable, Sendable, Equatable {
    public var x: ChartX
    public var y: Double

    public init(x: ChartX, y: Double) { self.x = x; self.y = y }
}

/// A named sequence of points (one line, or one colour of bars).
public struct ChartSeries: Codable, Sendable, Equatable {
    public var name: String
    public var points: [ChartPoint]

    public init(name: String, points: [ChartPoint]) { self.name = name; self.points = points }
}

/// A horizontal line drawn across a chart, such as the privacy budget.
public struct ReferenceLine: Codable, Sendable, Equatable {
    public var label: String
    public var y: Double

    public init(label: String, y: Double) { self.label = label; self.y = y }
}

/// The data of one chart, independent of how it is drawn: the HTML report draws it as SVG, the
/// JSON and CSV exports write it out as numbers.
public struct ReportChart: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case line, bar }
    /// How a line joins its points: `linear`, or `step` for a running total that stays flat
    /// between points (ε spent does not change in a round a party sits out).
    public enum Interpolation: String, Codable, Sendable { case linear, step }

    /// A stable identifier (`accuracy`, `loss`, `epsilon`, `stage_time`, `stage_bytes`).
    public var id: String
    public var title: String
    public var kind: Kind
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var interpolation: Interpolation
    public var referenceLines: [ReferenceLine]
    /// A fixed y range (accuracy is drawn on [0, 1]); nil fits the data.
    public var yDomain: ClosedRange<Double>?
    /// Shown instead of the chart when there is nothing to plot.
    public var emptyNote: String

    public init(id: String, title: String, kind: Kind, xLabel: String, yLabel: String, series: [ChartSeries],
                interpolation: Interpolation = .linear, referenceLines: [ReferenceLine] = [], yDomain: ClosedRange<Double>? = nil, emptyNote: String) {
        self.id = id; self.title = title; self.kind = kind; self.xLabel = xLabel; self.yLabel = yLabel
        self.series = series; self.interpolation = interpolation; self.referenceLines = referenceLines; self.yDomain = yDomain; self.emptyNote = emptyNote
    }

    public var isEmpty: Bool { series.allSatisfy { $0.points.isEmpty } }
}
