import Foundation
import Yams

/// A simulated manifest's twin run by agents, and back: the same job with `dataset.clients` (and
/// `clients_per_round`) set to the number of agents and `federation.deployment: agents`. The
/// federation benchmark runs both and compares them (`privfed bench federation`).
public enum AgentsTwin {
    /// `text` (a manifest read from `directory`) as a `deployment: agents` job of `agents` clients,
    /// every one taking part in each round, its dataset path made absolute.
    /// - Throws: `ManifestError` when the result does not validate.
    public static func agents(of text: String, directory: String, agents: Int, roundTimeout: Double = 600) throws -> String {
        try rewrite(text, directory: directory) { federation in
            federation["deployment"] = "agents"
            federation["round_timeout"] = roundTimeout
            federation["clients_per_round"] = agents
        } dataset: { $0["clients"] = agents }
    }

    /// The same manifest with every party simulated in one process.
    public static func simulated(of text: String, directory: String) throws -> String {
        try rewrite(text, directory: directory) { federation in
            for key in ["deployment", "min_clients", "round_timeout", "join_timeout"] { federation[key] = nil }
        } dataset: { _ in }
    }

    static func rewrite(_ text: String, directory: String, federation edit: (inout [String: Any]) -> Void,
                        dataset editDataset: (inout [String: Any]) -> Void) throws -> String {
        guard var top = try Yams.load(yaml: text) as? [String: Any], var federation = top["federation"] as? [String: Any],
              var dataset = top["dataset"] as? [String: Any] else {
            throw ManifestError(issues: [ManifestIssue(file: directory, line: 1, keyPath: "(document)", message: "not a manifest with dataset and federation")])
        }
        edit(&federation)
        editDataset(&dataset)
        dataset["path"] = DatasetLocation.resolve(dataset["path"] as? String ?? "datasets/mnist", relativeTo: directory)
        top["federation"] = federation
        top["dataset"] = dataset
        let out = try Yams.dump(object: top, sortKeys: true)
        _ = try ManifestReader().parse(out, file: "the agents twin")
        return out
    }
}
