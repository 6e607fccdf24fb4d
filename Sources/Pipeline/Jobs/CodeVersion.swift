import Foundation

/// The version of privfed recorded with every job, so an audit can tell whether it re-executes
/// a job with the code that ran it.
public enum CodeVersion {
    public static let release = "0.1.0"

    /// `0.1.0+<git commit>` when run from a git checkout (read from .git without running git),
    /// plain `0.1.0` otherwise.
    public static var current: String {
        guard let commit = gitCommit() else { return release }
        return release + "+" + String(commit.prefix(12))
    }

    static func gitCommit() -> String? {
        var dir = FileManager.default.currentDirectoryPath
        for _ in 0..<4 {
            let git = (dir as NSString).appendingPathComponent(".git")
            if let head = try? String(contentsOfFile: (git as NSString).appendingPathComponent("HEAD"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines) {
                guard head.hasPrefix("ref: ") else { return head }
                let ref = String(head.dropFirst(5))
                if let hash = try? String(contentsOfFile: (git as NSString).appendingPathComponent(ref), encoding: .utf8) {
                    return hash.trimmingCharacters(in: .whitespacesAndNewlines)
                }
                if let packed = try? String(contentsOfFile: (git as NSString).appendingPathComponent("packed-refs"), encoding: .utf8) {
                    for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                        return String(line.prefix(40))
                    }
                }
                return nil
            }
            dir = (dir as NSString).deletingLastPathComponent
        }
        return nil
    }
}
