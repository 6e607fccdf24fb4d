import Foundation
import XCTest

/// Hosts of their own for a test: one network namespace per host, each with its own address
/// (10.231.S.h+1/24) on a veth pair whose other end is a port of a bridge in a switch namespace
/// of the test's own. No address or route is added to the machine's own namespace, so tests in
/// other processes cannot collide with it. `cut` sets a host's switch port down: its packets
/// stop with no RST or FIN, as with a pulled cable.
final class NetnsHosts {
    static let ip = "/usr/sbin/ip"
    let prefix: String
    let subnet: Int
    let count: Int
    private var made: [String] = []

    var switchNamespace: String { "\(prefix)sw" }
    func namespace(_ host: Int) -> String { "\(prefix)h\(host)" }
    func address(_ host: Int) -> String { "10.231.\(subnet).\(host + 1)" }
    /// Runs a command on `host`: `ip netns exec NS COMMAND…`.
    func wrapper(_ host: Int) -> [String] { [Self.ip, "netns", "exec", namespace(host)] }
    /// The switch's port for `host` (interface names are at most 15 bytes).
    func port(_ host: Int) -> String { "\(prefix)p\(host)" }

    /// - Throws: `XCTSkip` where namespaces cannot be made (not root, no iproute2, a container
    ///   that forbids them).
    init(count: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.ip), getuid() == 0 else {
            throw XCTSkip("network namespaces need root and iproute2 (\(Self.ip)); the loopback tests cover the rest")
        }
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        prefix = "pf\(pid % 100_000)"
        subnet = 1 + pid % 250
        self.count = count
        guard try Self.run(["netns", "add", switchNamespace]) == 0 else {
            throw XCTSkip("cannot make a network namespace here (ip netns add failed): not permitted in this container")
        }
        made.append(switchNamespace)
        try must(["-n", switchNamespace, "link", "add", "br0", "type", "bridge"])
        try must(["-n", switchNamespace, "link", "set", "br0", "up"])
        for host in 0..<count {
            let ns = namespace(host), peer = "\(prefix)e\(host)"
            try must(["netns", "add", ns])
            made.append(ns)
            try must(["link", "add", port(host), "type", "veth", "peer", "name", peer])
            try must(["link", "set", port(host), "netns", switchNamespace])
            try must(["link", "set", peer, "netns", ns])
            try must(["-n", switchNamespace, "link", "set", port(host), "master", "br0"])
            try must(["-n", switchNamespace, "link", "set", port(host), "up"])
            try must(["-n", ns, "addr", "add", "\(address(host))/24", "dev", peer])
            try must(["-n", ns, "link", "set", peer, "up"])
            try must(["-n", ns, "link", "set", "lo", "up"])
        }
    }

    func cut(_ host: Int) throws { try must(["-n", switchNamespace, "link", "set", port(host), "down"]) }
    func restore(_ host: Int) throws { try must(["-n", switchNamespace, "link", "set", port(host), "up"]) }

    /// Deletes every namespace it made (each takes its veth ends with it).
    func remove() {
        for ns in made.reversed() { _ = try? Self.run(["netns", "del", ns]) }
        made = []
    }

    deinit { remove() }

    private func must(_ arguments: [String]) throws {
        let status = try Self.run(arguments)
        guard status == 0 else {
            remove()
            throw XCTSkip("ip \(arguments.joined(separator: " ")) failed (status \(status)): namespaces are not fully available here")
        }
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
