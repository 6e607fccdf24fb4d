import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The formats `privfed report` writes. All three render the same `JobReport`.
public enum ReportFormat: String, CaseIterable, Sendable {
    case html, json, csv

    /// The report in this format, as UTF-8 bytes.
    public func render(_ report: JobReport) throws -> Data {
        switch self {
        case .html: return Data(HTMLReportRenderer().render(report).utf8)
        case .json: return try ReportExport.json(report)
        case .csv: return Data(ReportExport.csv(report).utf8)
        }
    }
}

/// Machine-readable exports of a report, for other tools.
public enum ReportExport {
    /// The whole report as pretty JSON with sorted keys. Reals are written in shortest round-trip
    /// form; a non-finite value (a diverged loss) is written as the string "NaN" or "±Infinity".
    public static func json(_ report: JobReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try encoder.encode(report)
    }

    /// Decodes what `json` wrote.
    public static func decodeJSON(_ data: Data) throws -> JobReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return try decoder.decode(JobReport.self, from: data)
    }

    /// The chart series as CSV (RFC 4180: CRLF line ends, fields with `,`, `"` or line breaks
    /// quoted, quotes doubled): header `chart,series,x,y`, then one row per plotted point. `x` is a
    /// round number or a stage name; `y` is in shortest round-trip form, so it parses back exactly.
    public static func csv(_ report: JobReport) -> String {
        var lines = ["chart,series,x,y"]
        for chart in report.charts {
            for series in chart.series {
                for point in series.points {
                    lines.append([chart.id, series.name, point.x.description, "\(point.y)"].map(csvField).joined(separator: ","))
                }
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Writes files so that a reader sees either the old file or the complete new one, never a
/// half-written report: write a temporary file in the same directory, flush it to disk, then
/// rename(2) it over the destination (atomic within one file system, POSIX.1-2017 rename()).
public enum AtomicFileWriter {
    public enum WriteError: Error, CustomStringConvertible {
        /// The temporary file next to `path` (in `directory`) could not be made.
        case cannotCreate(path: String, directory: String, reason: String)
        case cannotWrite(path: String, reason: String)
        case cannotRename(from: String, to: String, reason: String)

        public var description: String {
            switch self {
            case .cannotCreate(let path, let directory, let reason):
                return "cannot write \(path): \(reason) (the file is first written to a temporary file in \(directory), which must exist and be writable)"
            case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
            case .cannotRename(let from, let to, let reason): return "cannot move \(from) to \(to): \(reason)"
            }
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = (directory as NSString).appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw WriteError.cannotCreate(path: path, directory: directory, reason: String(cString: strerror(errno))) }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw WriteError.cannotWrite(path: temporary, reason: String(cString: strerror(errno)))
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw WriteError.cannotWrite(path: temporary, reason: String(cString: strerror(errno))) }
        }
        guard rename(temporary, path) == 0 else {
            throw WriteError.cannotRename(from: temporary, to: path, reason: String(cString: strerror(errno)))
        }
        renamed = true
    }
}

/// write(2), named apart from `AtomicFileWriter.write`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, bytes, count)
    #else
    return Darwin.write(fd, bytes, count)
    #endif
}
