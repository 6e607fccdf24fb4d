/// The store writes its statements with `?` placeholders, as SQLite takes them; PostgreSQL's
/// are `$1, $2, …`. The rewrite skips quoted text and comments, so a `?` inside a string literal
/// stays a character.
enum SQLPlaceholders {
    static func numbered(_ sql: String) -> String {
        guard sql.contains("?") else { return sql }
        var out = "", n = 0
        SQLScript.scan(sql) { ch, code in
            if code && ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }
}

/// Splits a script (a migration) into its statements at the semicolons outside quotes,
/// comments and dollar-quoted bodies (PostgreSQL's `$$ … $$`, in which trigger functions are
/// written).
enum SQLScript {
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = [], current = ""
        scan(sql) { ch, code in
            if code && ch == ";" {
                statements.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        statements.append(current)
        return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !strippedOfComments($0).isEmpty }
    }

    /// Calls `visit` with every character and whether it is SQL code (outside a literal or comment).
    static func scan(_ sql: String, _ visit: (Character, Bool) -> Void) {
        let chars = Array(sql)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "'" || c == "\"" {
                var j = i + 1
                while j < chars.count {
                    if chars[j] == c { if j + 1 < chars.count && chars[j + 1] == c { j += 2; continue } else { break } }
                    j += 1
                }
                for k in i...min(j, chars.count - 1) { visit(chars[k], false) }
                i = j + 1
            } else if c == "-" && next == "-" {
                var j = i
                while j < chars.count && chars[j] != "\n" { visit(chars[j], false); j += 1 }
                i = j
            } else if c == "/" && next == "*" {
                var j = i
                while j < chars.count && !(chars[j] == "*" && j + 1 < chars.count && chars[j + 1] == "/") { visit(chars[j], false); j += 1 }
                if j < chars.count { visit(chars[j], false); visit(chars[j + 1], false) }
                i = j + 2
            } else if c == "$", let tagEnd = dollarTagEnd(chars, from: i) {
                let tag = String(chars[i...tagEnd])
                let tagChars = Array(tag)
                var j = tagEnd + 1
                while j < chars.count {
                    if chars[j] == "$" && j + tagChars.count <= chars.count && Array(chars[j..<(j + tagChars.count)]) == tagChars { break }
                    j += 1
                }
                let end = min(j + tagChars.count, chars.count)
                for k in i..<end { visit(chars[k], false) }
                i = end
            } else {
                visit(c, true)
                i += 1
            }
        }
    }

    /// The index of the closing `$` of a dollar-quote tag (`$$`, `$body$`) starting at `i`.
    static func dollarTagEnd(_ chars: [Character], from i: Int) -> Int? {
        var j = i + 1
        while j < chars.count, chars[j] == "_" || chars[j].isLetter || (j > i + 1 && chars[j].isNumber) { j += 1 }
        return j < chars.count && chars[j] == "$" ? j : nil
    }

    static func strippedOfComments(_ statement: String) -> String {
        var code = ""
        scan(statement) { ch, isCode in if isCode { code.append(ch) } }
        return code.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
