import Foundation

/// A testing aid: kills the process with SIGKILL at one named point of one round, so the crash
/// tests can stop a worker deterministically where a real crash could strike — inside a database
/// transaction before its COMMIT, between a privacy release and the round's commit, before a stage.
///
/// Read once at start-up by `privfed worker` and `privfed resume` from the environment variable
/// `PRIVFED_FAULT_INJECT` (`round:R:POINT`) and passed to the runner as a value; never global state.
///
/// | point | where the process dies |
/// |---|---|
/// | `stage:NAME` | before stage NAME starts (for per-client stages: before its first client); `privfed agent`: `stage:local_train`, before it trains the round |
/// | `in-release` | inside the round's first release transaction, after the ledger rows, before COMMIT |
/// | `after-release` | after the round's first release is committed, before the next stage |
/// | `in-commit` | inside the round's commit transaction, after every row, before COMMIT |
/// | `after-commit` | after the round's commit, before the next round (or the job's end) |
/// | `secagg:STEP` | `privfed agent`: before it answers SecAgg step STEP (`SecAggStep`, e.g. `masked-input`) |
/// | `additive:shares` | `privfed agent`: before it seals its additive shares for the share-holders |
public struct FaultInjection: Sendable, Equatable {
    public enum Point: Sendable, Equatable {
        case beforeStage(String)
        /// At an agent, before it answers the SecAgg step of this name.
        case secAggStep(String)
        /// At an agent, before it seals its additive shares.
        case additiveShares
        case inRelease, afterRelease, inCommit, afterCommit
    }

    public static let environmentVariable = "PRIVFED_FAULT_INJECT"

    public let round: Int
    public let point: Point

    public init(round: Int, point: Point) { self.round = round; self.point = point }

    /// Parses `round:R:POINT`.
    public init(_ spec: String) throws {
        let parts = spec.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "round", let round = Int(parts[1]), round >= 0 else {
            throw FaultInjectionError.invalid(spec)
        }
        let point: Point
        switch parts[2] {
        case "in-release": point = .inRelease
        case "after-release": point = .afterRelease
        case "in-commit": point = .inCommit
        case "after-commit": point = .afterCommit
        case "additive:shares": point = .additiveShares
        case let p where p.hasPrefix("stage:") && p.count > 6: point = .beforeStage(String(p.dropFirst(6)))
        case let p where p.hasPrefix("secagg:") && SecAggStep.allCases.contains(where: { $0.description == p.dropFirst(7) }):
            point = .secAggStep(String(p.dropFirst(7)))
        default: throw FaultInjectionError.invalid(spec)
        }
        self.init(round: round, point: point)
    }

    /// The fault named by `PRIVFED_FAULT_INJECT` in `environment`, or nil when it is unset.
    public static func from(environment: [String: String]) throws -> FaultInjection? {
        guard let spec = environment[environmentVariable], !spec.isEmpty else { return nil }
        return try FaultInjection(spec)
    }

    /// Kills this process with SIGKILL — no cleanup, no COMMIT — when `round` and `point` match.
    func strike(round: Int, at point: Point) {
        guard round == self.round, point == self.point else { return }
        kill(getpid(), SIGKILL)
    }
}

public enum FaultInjectionError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let spec):
            return "\(FaultInjection.environmentVariable)=\(spec): expected round:R:POINT with POINT one of stage:NAME, secagg:STEP, additive:shares, in-release, after-release, in-commit, after-commit"
        }
    }
}
