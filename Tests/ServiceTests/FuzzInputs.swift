import Foundation
import Randomness

/// Seeded mutations of text for the fuzz tests: every run feeds the same inputs, so a failure
/// names an input index that reproduces it.
struct FuzzInputs {
    var rng: ChaCha20Generator

    init(stream: String) { rng = RandomStreams(seed: 20261124).generator("fuzz/" + stream) }

    /// The variable that asks for the full fuzz runs (`PRIVFED_FUZZ=full swift test … --filter Fuzz`).
    static let fullRunVariable = "PRIVFED_FUZZ"

    /// How many inputs a fuzz test feeds: `everyday` in the normal suite, which must stay quick on
    /// two shared cores, and `full` — the counts the acceptance run asks for — when
    /// `PRIVFED_FUZZ=full` is set. The inputs are seeded, so the everyday ones are the first of the full.
    static func count(everyday: Int, full: Int) -> Int {
        ProcessInfo.processInfo.environment[fullRunVariable] == "full" ? full : everyday
    }

    mutating func below(_ n: Int) -> Int { Int(rng.nextBelow(UInt64(max(n, 1)))) }
    mutating func chance(_ p: Double) -> Bool { rng.nextUnitDouble() < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Values that break parsers and type checks: wrong types, YAML specials, huge and tiny numbers.
    static let hostileValues = [
        "true", "no", "~", "null", "[1, 2]", "{a: 1}", "\"5\"", "'x'", "-1", "0", "1e309", "-1e309", ".nan", ".inf",
        "99999999999999999999999999", "-9223372036854775809", "18446744073709551616", "0x10", "0o17", "1_000", "1.5",
        "&anchor 3", "*anchor", "!!binary AAAA", "!!float 1", "|\n  block", ">-\n  folded", "[", "{", "]", "}", "'", "\"",
        "\u{0}", "\u{FEFF}", "é", "😀", String(repeating: "9", count: 400), String(repeating: "a", count: 5000), "? complex", "- item",
    ]

    /// One to three mutations of `text`, as bytes (some are not UTF-8).
    mutating func mutate(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for _ in 0..<(1 + below(3)) {
            switch below(11) {
            case 0: // flip bytes
                for _ in 0..<(1 + below(4)) where !bytes.isEmpty { bytes[below(bytes.count)] ^= UInt8(1 << below(8)) }
            case 1: // truncate
                bytes = Array(bytes.prefix(below(bytes.count + 1)))
            case 2, 3: // duplicate or delete a line
                var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
                guard !lines.isEmpty else { break }
                let i = below(lines.count)
                if chance(0.5) { lines.insert(lines[i], at: below(lines.count + 1)) } else { lines.remove(at: i) }
                bytes = Array(lines.joined(separator: [0x0A]))
            case 4, 5: // swap a value for a hostile one
                var lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let candidates = lines.indices.filter { lines[$0].contains(": ") }
                guard !candidates.isEmpty else { break }
                let i = pick(candidates)
                let key = lines[i][..<lines[i].range(of: ": ")!.upperBound]
                lines[i] = key + pick(Self.hostileValues)
                bytes = Array(lines.joined(separator: "\n").utf8)
            case 6: // deep nesting, flow or block
                let depth = pick([10, 100, 999, 1001, 5000, 50_000])
                let nest = chance(0.5)
                    ? String(repeating: "[", count: depth) + String(repeating: "]", count: chance(0.5) ? depth : 0)
                    : (0..<min(depth, 1200)).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1"
                bytes = Array((chance(0.5) ? "dataset: " + nest : nest).utf8) + [0x0A] + bytes
            case 7: // random bytes spliced in
                let junk = (0..<(1 + below(32))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                bytes.insert(contentsOf: junk, at: below(bytes.count + 1))
            case 8: // an unknown or repeated key at some level
                let key = pick(["seed", "name", "rounds", "privacy", "zzz", "epsilon", "stages", "dataset"])
                let indent = String(repeating: " ", count: pick([0, 2, 4, 3]))
                bytes += Array("\n\(indent)\(key): \(pick(Self.hostileValues))\n".utf8)
            case 9: // anchors and aliases (a small billion-laughs)
                bytes += Array("\nx0: &a [1,2,3,4,5,6,7,8,9]\nx1: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nx2: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nx3: [*c,*c,*c,*c,*c,*c,*c,*c]\n".utf8)
            default: // invalid UTF-8 sequences
                let bad: [[UInt8]] = [[0xFF], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF]]
                bytes.insert(contentsOf: pick(bad), at: below(bytes.count + 1))
            }
        }
        return bytes
    }

    /// A random printable-or-not string of up to `length` characters.
    mutating func junk(_ length: Int) -> String {
        let alphabet = Array("abcXYZ019/._-~%?&=#{}[]:;, \"'\\<>|@!$^*()+é😀\t")
        return String((0..<below(length + 1)).map { _ in pick(alphabet) })
    }
}
