import Foundation

/// Text from a manifest or the database made safe to show on a terminal: every control character
/// (Unicode category Cc — C0, DEL, C1) is written as a visible escape, so a job name holding a
/// carriage return or an ANSI escape sequence (ECMA-48) cannot move the cursor, recolour the
/// screen or overwrite a status line in `privfed jobs`.
enum TerminalText {
    /// `text` with control characters escaped (`\r`, `\n`, `\t`, else `\u{1b}`); with
    /// `keepingNewlines`, line feeds stay (for whole blocks of output, not single cells).
    static func escaped(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard scalar.properties.generalCategory == .control else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\n" where keepingNewlines: out += "\n"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out
    }
}

/// privfed's `print`: the standard one, except that on a terminal every control character but the
/// line feed is escaped (`TerminalText`), whatever database or manifest text the line carries.
/// Output to a pipe or file is left byte for byte (CSV and JSON keep their own quoting).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    let text = items.map { "\($0)" }.joined(separator: separator)
    Swift.print(isatty(STDOUT_FILENO) == 1 ? TerminalText.escaped(text, keepingNewlines: true) : text, terminator: terminator)
}
