import Yams

/// Reads typed fields out of a YAML node tree, collecting every problem with its line and key
/// path instead of stopping at the first. Numbers and booleans must be plain (unquoted)
/// scalars, so `rounds: "5"` or `rounds: five` is a type error rather than a silent conversion.
struct YAMLFields {
    let file: String
    private(set) var issues: [ManifestIssue] = []
    /// Which end of its range a value that is missing or wrong stands in with (see `Substitute`).
    let substitute: Substitute

    init(file: String, substitute: Substitute = .low) { self.file = file; self.substitute = substitute }

    /// A manifest with a bad or missing value is still read to the end, with the value replaced by
    /// one end of its allowed range, so the cross-field rules run in the same pass. The reader
    /// reads twice, once with each end, and keeps only the rule problems both readings find: a
    /// problem that depends on the replaced value is not reported until the value is fixed.
    enum Substitute { case low, high }

    /// What `required` hands on for a key that is absent (already reported): each typed reader
    /// answers it with its substitute without reporting again.
    static var missing: Node { Node.scalar(Node.Scalar("\u{0}privfed-missing")) }

    private func isMissing(_ node: Node) -> Bool { node.scalar?.string == "\u{0}privfed-missing" }

    mutating func report(_ node: Node?, _ path: String, _ message: String, fallbackLine: Int = 1) {
        issues.append(ManifestIssue(file: file, line: node?.mark?.line ?? fallbackLine, keyPath: path, message: message))
    }

    /// The entries of a mapping, with unknown and duplicate keys reported.
    mutating func mapping(_ node: Node, _ path: String, allowed: [String]) -> [String: Node]? {
        if isMissing(node) { return nil }
        guard case .mapping(let mapping) = node else {
            report(node, path.isEmpty ? "(document)" : path, "must be a mapping of keys to values, got \(kind(node))")
            return nil
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.scalar.map { Self.shown($0.string) } ?? "?"
            // An empty key (`: value`) is named as such, so every issue names a key path.
            let named = key.isEmpty ? "(empty key)" : key
            let keyPath = path.isEmpty ? named : path + "." + named
            if !allowed.contains(key) {
                let hint = Self.closest(key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                report(keyNode, keyPath, "unknown key\(hint); allowed here: \(allowed.joined(separator: ", "))")
                continue
            }
            if result[key] != nil {
                report(keyNode, keyPath, "duplicate key")
                continue
            }
            result[key] = value
        }
        return result
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.style == .plain ? "'\(Self.shown(s.string))'" : "the string \"\(Self.shown(s.string))\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private func plainScalar(_ node: Node) -> String? {
        guard case .scalar(let s) = node, s.style == .plain else { return nil }
        return s.string
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        if isMissing(node) { return "-" }
        guard case .scalar(let s) = node, !s.string.isEmpty else {
            report(node, path, "must be a non-empty string, got \(kind(node))")
            return "-"
        }
        return s.string
    }

    mutating func int(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        let stand = substitute == .low ? range.lowerBound : range.upperBound
        if isMissing(node) { return stand }
        guard let text = plainScalar(node), let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            report(node, path, "must be a whole number, got \(kind(node))")
            return stand
        }
        guard range.contains(value) else {
            report(node, path, "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
            return stand
        }
        return value
    }

    mutating func uint64(_ node: Node, _ path: String) -> UInt64? {
        let stand: UInt64 = substitute == .low ? 0 : UInt64(Int64.max)
        if isMissing(node) { return stand }
        guard let text = plainScalar(node), let value = UInt64(text.replacingOccurrences(of: "_", with: "")),
              value <= UInt64(Int64.max) else {
            report(node, path, "must be a whole number from 0 to \(Int64.max), got \(kind(node))")
            return stand
        }
        return value
    }

    /// A real number; `open` ranges exclude their ends.
    mutating func double(_ node: Node, _ path: String, min: Double, max: Double, openMin: Bool = false, openMax: Bool = false) -> Double? {
        // An open end stands in as the nearest value inside the range.
        let stand = substitute == .low ? (openMin ? min.nextUp : min) : (openMax ? max.nextDown : max)
        if isMissing(node) { return stand }
        guard let text = plainScalar(node), let value = Double(text), value.isFinite else {
            report(node, path, "must be a number, got \(kind(node))")
            return stand
        }
        let lowOK = openMin ? value > min : value >= min
        let highOK = openMax ? value < max : value <= max
        guard lowOK && highOK else {
            let range = "\(openMin ? "(" : "[")\(Self.format(min)), \(Self.format(max))\(openMax ? ")" : "]")"
            report(node, path, "must be in \(range), got \(Self.shown(text))")
            return stand
        }
        return value
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        if isMissing(node) { return substitute == .high }
        switch plainScalar(node) {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            report(node, path, "must be true or false, got \(kind(node))")
            return substitute == .high
        }
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: String, _ type: T.Type) -> T? where T.RawValue == String {
        let options = T.allCases.map(\.rawValue)
        let stand = substitute == .low ? T.allCases.first : Array(T.allCases).last
        if isMissing(node) { return stand }
        guard case .scalar(let s) = node, let value = T(rawValue: s.string) else {
            report(node, path, "must be one of \(options.joined(separator: ", ")), got \(kind(node))")
            return stand
        }
        return value
    }

    mutating func list(_ node: Node, _ path: String) -> [Node]? {
        if isMissing(node) { return nil }
        guard case .sequence(let seq) = node else {
            report(node, path, "must be a list, got \(kind(node))")
            return nil
        }
        return Array(seq)
    }

    /// Manifest text repeated in a message: control characters escaped and cut to 60 characters, so
    /// a hostile value can neither forge terminal output nor make an error as long as itself.
    static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(60) {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        let count = text.unicodeScalars.count
        return count > 60 ? out + "… (\(count) characters)" : out
    }

    /// `privacy.dropouts`: a mapping from round numbers to lists of client indices, e.g.
    /// `{ 2: [3, 7], 5: [1] }`. Ranges against the job (rounds, clients) are checked by the rules.
    mutating func namedDropouts(_ node: Node, _ path: String) -> [Int: [Int]]? {
        guard case .mapping(let mapping) = node else {
            report(node, path, "must be a mapping from round numbers to lists of clients, e.g. { 2: [3, 7], 5: [1] }; got \(kind(node))")
            return nil
        }
        var result: [Int: [Int]] = [:]
        var ok = true
        for (keyNode, value) in mapping {
            let before = issues.count
            guard let round = int(keyNode, path + "." + (keyNode.scalar?.string ?? "?"), in: 1...100_000), issues.count == before else {
                ok = false; continue
            }
            let roundPath = "\(path).\(round)"
            if result[round] != nil { report(keyNode, roundPath, "duplicate round"); ok = false; continue }
            guard let items = list(value, roundPath) else { ok = false; continue }
            var clients: [Int] = []
            for (i, item) in items.enumerated() {
                let before = issues.count
                if let c = int(item, "\(roundPath)[\(i)]", in: 0...9_999), issues.count == before { clients.append(c) } else { ok = false }
            }
            result[round] = clients
        }
        return ok ? result : nil
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }

    /// The allowed key nearest to a typo (edit distance ≤ 2), for "did you mean".
    static func closest(_ key: String, in allowed: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var prev = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var cur = [i] + [Int](repeating: 0, count: b.count)
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                prev = cur
            }
            return prev[b.count]
        }
        let scored = allowed.map { ($0, distance(Array(key), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }
}
