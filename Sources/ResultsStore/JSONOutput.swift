import Foundation

/// The one JSON form of privfed's records, shared by the command line's `--json` outputs and the
/// HTTP API, so a script reads the same bytes from `privfed show 3 --json` and `GET /api/jobs/3`.
///
/// Keys sorted, slashes unescaped, pretty-printed; a non-finite real (a diverged loss) is written as
/// the string "NaN" or "±Infinity" instead of failing the whole output; a date as the database
/// writes its timestamps (`Timestamp`, ISO 8601 UTC with milliseconds).
public enum JSONOutput {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.dateEncodingStrategy = dateEncoding
        return encoder
    }

    /// Dates as `Timestamp.string`, for every JSON privfed prints.
    public static let dateEncoding = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(Timestamp.string(date))
    }

    /// `value` as UTF-8 JSON in the shared form.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }
}
