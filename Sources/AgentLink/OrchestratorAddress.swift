/// Where an agent dials: `HOST:PORT` or `[IPv6]:PORT`, as `config.json` and `--orchestrator`
/// write it.
public struct OrchestratorAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) { self.host = host; self.port = port }

    /// - Throws: `AgentLinkError.badAddress` for anything but HOST:PORT with a port in 1...65535.
    public init(parsing text: String) throws {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw AgentLinkError.badAddress(text)
        }
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else { throw AgentLinkError.badAddress(text) }
        self.init(host: String(host), port: number)
    }

    /// An IP literal is dialled as itself; a name through DNS (and sent as the TLS server name).
    var isIPv6: Bool { host.contains(":") }
    var isIPv4: Bool { host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil } }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
