import ResultsStore

/// Formats a query result as an aligned text table, CSV (RFC 4180) or JSON.
enum TableFormatter {
    /// Cells are escaped for the terminal (`TerminalText`, line feeds too): a value can neither
    /// move the cursor nor break the table's lines.
    static func table(columns: [String], rows: [[String]]) -> String {
        let rows = rows.map { $0.map { TerminalText.escaped($0) } }
        var widths = columns.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(columns), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }

    static func csv(columns: [String], rows: [[String]]) -> String {
        func quote(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([columns] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n")
    }

    static func json(_ result: QueryResult) -> String {
        func encode(_ v: QueryValue) -> String {
            switch v {
            case .null: return "null"
            case .integer(let i): return String(i)
            case .real(let d): return d.isFinite ? String(d) : "null"
            case .text(let s): return jsonString(s)
            case .blob(let n): return jsonString("<\(n) bytes>")
            }
        }
        let objects = result.rows.map { row in
            "  {" + zip(result.columns, row).map { "\(jsonString($0)): \(encode($1))" }.joined(separator: ", ") + "}"
        }
        return "[\n" + objects.joined(separator: ",\n") + (objects.isEmpty ? "]" : "\n]")
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

import Foundation
