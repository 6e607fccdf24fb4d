import Foundation

/// Draws a `ReportChart` as inline SVG by hand: axes with ticks and labels, a line with markers per
/// series (or grouped bars), dashed reference lines and a legend. No script, no external resource.
///
/// Every marker and bar carries its data as attributes — `data-series`, `data-x`, `data-y`, the
/// value in Swift's shortest round-trip form — so a reader (or a test) can recover exactly the
/// numbers a chart shows. All text is escaped; the output is well-formed XML.
public struct SVGChartRenderer: Sendable {
    public var width = 760.0
    public var height = 320.0
    public var legendWidth = 170.0

    public init() {}

    /// Colour-blind-friendly categorical palette (Tableau 10); series past ten reuse it dashed.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    struct Frame {
        var left: Double, right: Double, top: Double, bottom: Double
    }

    public func render(_ chart: ReportChart) -> String {
        let bottomMargin = chart.kind == .bar ? 96.0 : 52.0
        let frame = Frame(left: 72, right: width - legendWidth - 12, top: 16, bottom: height - bottomMargin + (chart.kind == .bar ? 40 : 0))
        let h = chart.kind == .bar ? height + 40 : height
        let id = HTMLEscaping.escape(chart.id)
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(f(width)) \(f(h))\" role=\"img\" aria-labelledby=\"chart-\(id)-title\" data-chart=\"\(id)\">"
        svg += "<title id=\"chart-\(id)-title\">\(HTMLEscaping.escape(chart.title))</title>"
        let yAxis = yAxisFor(chart)
        svg += yAxisMarkup(yAxis, frame: frame, label: chart.yLabel)
        switch chart.kind {
        case .line: svg += lineMarkup(chart, yAxis: yAxis, frame: frame)
        case .bar: svg += barMarkup(chart, yAxis: yAxis, frame: frame)
        }
        for line in chart.referenceLines where line.y.isFinite {
            let y = yAxis.position(line.y, from: frame.bottom, to: frame.top)
            svg += "<line class=\"reference\" x1=\"\(f(frame.left))\" y1=\"\(f(y))\" x2=\"\(f(frame.right))\" y2=\"\(f(y))\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" data-reference=\"\(HTMLEscaping.escape(line.label))\" data-y=\"\(line.y)\"/>"
            svg += "<text x=\"\(f(frame.left + 6))\" y=\"\(f(y - 5))\" text-anchor=\"start\" class=\"reference-label\" fill=\"#c0392b\">\(HTMLEscaping.escape(line.label))</text>"
        }
        svg += legendMarkup(chart, frame: frame)
        svg += "</svg>"
        return svg
    }

    func yAxisFor(_ chart: ReportChart) -> ChartAxis {
        if let domain = chart.yDomain { return ChartAxis(covering: domain.lowerBound, domain.upperBound) }
        let values = chart.series.flatMap { $0.points.map(\.y) }.filter(\.isFinite) + chart.referenceLines.map(\.y).filter(\.isFinite)
        let low = min(0, values.min() ?? 0), high = max(0, values.max() ?? 1)
        return ChartAxis(covering: low, high == low ? low + 1 : high * 1.05)
    }

    func yAxisMarkup(_ axis: ChartAxis, frame: Frame, label: String) -> String {
        var s = "<g class=\"axis y-axis\">"
        for tick in axis.ticks {
            let y = axis.position(tick, from: frame.bottom, to: frame.top)
            s += "<line x1=\"\(f(frame.left))\" y1=\"\(f(y))\" x2=\"\(f(frame.right))\" y2=\"\(f(y))\" class=\"grid\" stroke=\"#e3e3e3\"/>"
            s += "<text x=\"\(f(frame.left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(HTMLEscaping.escape(axis.label(tick)))</text>"
        }
        s += "<line x1=\"\(f(frame.left))\" y1=\"\(f(frame.top))\" x2=\"\(f(frame.left))\" y2=\"\(f(frame.bottom))\" stroke=\"#333\"/>"
        s += "<line x1=\"\(f(frame.left))\" y1=\"\(f(frame.bottom))\" x2=\"\(f(frame.right))\" y2=\"\(f(frame.bottom))\" stroke=\"#333\"/>"
        let cy = (frame.top + frame.bottom) / 2
        s += "<text class=\"axis-label\" x=\"16\" y=\"\(f(cy))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(cy)))\">\(HTMLEscaping.escape(label))</text>"
        return s + "</g>"
    }

    func lineMarkup(_ chart: ReportChart, yAxis: ChartAxis, frame: Frame) -> String {
        let xs = chart.series.flatMap { $0.points.compactMap { p -> Double? in if case .number(let x) = p.x, x.isFinite { return x } else { return nil } } }
        let integral = xs.allSatisfy { $0 == $0.rounded() }
        let xAxis = ChartAxis(covering: xs.min() ?? 0, xs.max() ?? 1, count: 10, integral: integral)
        var s = "<g class=\"axis x-axis\">"
        for tick in xAxis.ticks {
            let x = xAxis.position(tick, from: frame.left, to: frame.right)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(frame.bottom))\" x2=\"\(f(x))\" y2=\"\(f(frame.bottom + 5))\" stroke=\"#333\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(frame.bottom + 18))\" text-anchor=\"middle\">\(HTMLEscaping.escape(xAxis.label(tick)))</text>"
        }
        s += "<text class=\"axis-label\" x=\"\(f((frame.left + frame.right) / 2))\" y=\"\(f(frame.bottom + 40))\" text-anchor=\"middle\">\(HTMLEscaping.escape(chart.xLabel))</text></g>"
        for (index, series) in SeriesGroup.grouping(chart.series).enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let dash = index >= Self.palette.count ? " stroke-dasharray=\"4 3\"" : ""
            let name = HTMLEscaping.escape(series.label)
            // A merged line names every series it draws, so the page still gives each one's numbers.
            let members = series.members.count > 1 ? " data-members=\"\(HTMLEscaping.escape(series.members.joined(separator: " ")))\"" : ""
            let plotted = series.points.compactMap { p -> (Double, Double, ChartPoint)? in
                guard case .number(let x) = p.x, x.isFinite, p.y.isFinite else { return nil }
                return (xAxis.position(x, from: frame.left, to: frame.right), yAxis.position(p.y, from: frame.bottom, to: frame.top), p)
            }
            s += "<g class=\"series\" data-series-name=\"\(name)\"\(members)>"
            if plotted.count > 1 {
                var path = "M\(f(plotted[0].0)) \(f(plotted[0].1))"
                for (x, y, _) in plotted.dropFirst() {
                    path += chart.interpolation == .step ? " H\(f(x)) V\(f(y))" : " L\(f(x)) \(f(y))"
                }
                s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>"
            }
            for (x, y, p) in plotted {
                s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(colour)\" data-series=\"\(name)\"\(members) data-x=\"\(HTMLEscaping.escape(p.x.description))\" data-y=\"\(p.y)\">"
                s += "<title>\(name): \(HTMLEscaping.escape(chart.xLabel)) \(HTMLEscaping.escape(p.x.description)), \(HTMLEscaping.escape(ReportNumber.short(p.y)))</title></circle>"
            }
            s += "</g>"
        }
        return s
    }

    func barMarkup(_ chart: ReportChart, yAxis: ChartAxis, frame: Frame) -> String {
        var categories: [String] = []
        for series in chart.series { for p in series.points where !categories.contains(p.x.description) { categories.append(p.x.description) } }
        let group = (frame.right - frame.left) / Double(max(categories.count, 1))
        let barWidth = min(56, group * 0.8 / Double(max(chart.series.count, 1)))
        let groupInset = (group - barWidth * Double(max(chart.series.count, 1))) / 2
        var s = "<g class=\"axis x-axis\">"
        for (i, category) in categories.enumerated() {
            let x = frame.left + group * (Double(i) + 0.5)
            s += "<text x=\"\(f(x))\" y=\"\(f(frame.bottom + 14))\" text-anchor=\"end\" transform=\"rotate(-35 \(f(x)) \(f(frame.bottom + 14)))\">\(HTMLEscaping.escape(category))</text>"
        }
        s += "</g>"
        let zero = yAxis.position(max(yAxis.lower, 0), from: frame.bottom, to: frame.top)
        for (index, series) in chart.series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            let name = HTMLEscaping.escape(series.name)
            s += "<g class=\"series\" data-series-name=\"\(name)\">"
            for p in series.points where p.y.isFinite {
                guard let i = categories.firstIndex(of: p.x.description) else { continue }
                let x = frame.left + group * Double(i) + groupInset + barWidth * Double(index)
                let y = yAxis.position(p.y, from: frame.bottom, to: frame.top)
                let category = HTMLEscaping.escape(p.x.description)
                s += "<rect x=\"\(f(x))\" y=\"\(f(min(y, zero)))\" width=\"\(f(barWidth))\" height=\"\(f(abs(zero - y)))\" fill=\"\(colour)\" data-series=\"\(name)\" data-x=\"\(category)\" data-y=\"\(p.y)\">"
                s += "<title>\(name) · \(category): \(HTMLEscaping.escape(ReportNumber.short(p.y)))</title></rect>"
                if barWidth >= 22 {
                    s += "<text class=\"bar-value\" x=\"\(f(x + barWidth / 2))\" y=\"\(f(min(y, zero) - 3))\" text-anchor=\"middle\">\(HTMLEscaping.escape(ReportNumber.short(p.y)))</text>"
                }
            }
            s += "</g>"
        }
        return s
    }

    func legendMarkup(_ chart: ReportChart, frame: Frame) -> String {
        let x = frame.right + 20
        var y = frame.top + 6
        var s = "<g class=\"legend\">"
        let names = chart.kind == .line ? SeriesGroup.grouping(chart.series).map(\.label) : chart.series.map(\.name)
        let shown = names.count > 14 ? 13 : names.count
        for (index, name) in names.prefix(shown).enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            s += "<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(f(x + 18))\" y=\"\(f(y + 1))\">\(HTMLEscaping.escape(truncated(name)))</text>"
            y += 18
        }
        if shown < names.count {
            s += "<text x=\"\(f(x))\" y=\"\(f(y + 1))\">… and \(names.count - shown) more</text>"
            y += 18
        }
        for line in chart.referenceLines {
            s += "<line x1=\"\(f(x))\" y1=\"\(f(y - 3))\" x2=\"\(f(x + 12))\" y2=\"\(f(y - 3))\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"/>"
            s += "<text x=\"\(f(x + 18))\" y=\"\(f(y + 1))\">\(HTMLEscaping.escape(truncated(line.label)))</text>"
            y += 18
        }
        return s + "</g>"
    }

    func truncated(_ text: String) -> String { text.count > 22 ? String(text.prefix(21)) + "…" : text }

    /// Coordinates with two decimals: enough for a 760-unit canvas, short to read.
    func f(_ x: Double) -> String { String(format: "%.2f", x) }
}
