/// What this binary was built from, stamped at build time by `GitStampPlugin`
/// (Plugins/GitStampPlugin): never read from the working directory at run time, so the
/// `code_version` a job records names the code that ran, wherever privfed was started.
public enum BuildStamp {
    /// The full git commit (40 hex digits), or `unknown` when built outside a git checkout.
    public static let commit: String = stampedCommit
    /// `git describe --always --dirty --abbrev=12`: the short commit, `-dirty` when the build had
    /// uncommitted changes; `unknown` outside a git checkout.
    public static let description: String = stampedDescription

    /// The build had uncommitted changes.
    public static var dirty: Bool { description.hasSuffix("-dirty") }
}
