import Foundation
import PackagePlugin

/// Writes `GitStamp.swift` into the target it is applied to (`BuildStamp`): the git commit the
/// binary is built from and `git describe --always --dirty`, or `unknown` for both outside a git
/// checkout (a source tarball) or without git — so a fresh clone in CI builds either way.
///
/// A build command, not a prebuild command: SwiftPM reuses its build plan between builds, and a
/// prebuild command only runs when the plan is made, so its stamp goes stale. This command's
/// inputs are the files git rewrites when HEAD moves or the index changes, and every source file
/// of the package (for `-dirty`); the script rewrites the stamp only when its text changes, so
/// an edit that leaves the stamp as it was recompiles nothing.
@main
struct GitStampPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "GitStamp.swift")
        let sources = context.package.targets.compactMap { $0 as? SourceModuleTarget }.flatMap { $0.sourceFiles.map(\.url) }
        let script = """
            set -u
            commit=$(git -C "$2" rev-parse HEAD 2>/dev/null) || commit=unknown
            described=$(git -C "$2" describe --always --dirty --abbrev=12 2>/dev/null) || described=unknown
            case "$commit" in *[!0-9a-f]*|"") commit=unknown ;; esac
            case "$described" in *[!0-9A-Za-z._-]*|"") described=unknown ;; esac
            tmp="$1.tmp"
            printf '// Generated at build time by GitStampPlugin; do not edit.\\n' > "$tmp"
            printf 'let stampedCommit = "%s"\\nlet stampedDescription = "%s"\\n' "$commit" "$described" >> "$tmp"
            if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
            """
        return [.buildCommand(displayName: "Stamping the git commit into \(target.name)",
                              executable: URL(fileURLWithPath: "/bin/sh"),
                              arguments: ["-c", script, "git-stamp", output.path, package.path],
                              inputFiles: Self.gitState(package) + sources.filter { $0 != output },
                              outputFiles: [output])]
    }

    /// The files git rewrites when HEAD moves or the index changes, in a checkout or a worktree
    /// (whose `.git` is a file `gitdir: PATH`).
    static func gitState(_ package: URL) -> [URL] {
        let dotGit = package.appending(path: ".git")
        var gitDir = dotGit
        if let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") {
            let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
            gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appending(path: path)
        }
        return ["HEAD", "logs/HEAD", "index"].map { gitDir.appending(path: $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }
}
