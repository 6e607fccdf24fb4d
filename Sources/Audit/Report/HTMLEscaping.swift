/// Escaping for text that comes from the database (job names, manifests, error messages, audit
/// evidence) before it goes into HTML or SVG. Every one of `& < > " '` becomes an entity reference,
/// so the result is safe both as element content and inside a quoted attribute value, and it is
/// also well-formed XML (the charts are parsed back as XML by the tests).
///
/// Reference: HTML Living Standard §13.1.2.5 (character references) and the OWASP XSS prevention
/// cheat sheet, rule 1 and 2 (escape the five characters; always quote attributes).
public enum HTMLEscaping {
    /// `text` with `& < > " '` replaced by `&amp; &lt; &gt; &quot; &#39;`.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            // Control characters other than tab, newline and carriage return are not allowed in XML 1.0.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
