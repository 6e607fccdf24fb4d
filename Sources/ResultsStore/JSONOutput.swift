import Foundation

/// The one JSON form of privfed's records, shared by the command line's `--json` outputs and the
/// HTTP API, so a script reads the same bytes from `privfed show 3 --json` and `GET /api/jobs/3`.
///
/// Keys sorted, slashes unescaped, pretty-printed; a non-finite real (a diverged loss) is written as
/// the string "NaN" or "±Infinity" instead of failing the whole output.
public enum JSONOutput {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// `value` as UTF-8 JSON in the shared form.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }
}
