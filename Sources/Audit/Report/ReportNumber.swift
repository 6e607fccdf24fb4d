import Foundation

/// Numbers as people read them: four significant digits, trailing zeros dropped, an exponent only
/// for very small or very large values (`2.997`, `0.9686`, `1e-5`). Where the exact value matters
/// it travels beside the rounded one (the report's data attributes, `--json`).
public enum ReportNumber {
    public static let significantDigits = 4

    /// `x` rounded to four significant digits.
    public static func text(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "∞" : "−∞") }
        if x == 0 { return "0" }
        let magnitude = Int(floor(log10(abs(x))))
        if magnitude >= -4 && magnitude < 6 {
            let decimals = max(0, significantDigits - 1 - magnitude)
            return trimmed(String(format: "%.\(decimals)f", x))
        }
        let parts = String(format: "%.\(significantDigits - 1)e", x).split(separator: "e")
        let exponent = Int(parts[1]) ?? 0
        return trimmed(String(parts[0])) + "e\(exponent)"
    }

    /// For chart labels: `text`, with large values grouped as k, M, G.
    public static func short(_ x: Double) -> String {
        guard x.isFinite else { return text(x) }
        if abs(x) >= 1e9 { return String(format: "%.2f G", x / 1e9) }
        if abs(x) >= 1e6 { return String(format: "%.2f M", x / 1e6) }
        if abs(x) >= 1e4 { return String(format: "%.1f k", x / 1e3) }
        return text(x)
    }

    /// Trailing zeros (and a bare point) removed from a decimal.
    static func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var s = Substring(s)
        while s.last == "0" { s = s.dropLast() }
        if s.last == "." { s = s.dropLast() }
        return String(s)
    }
}
