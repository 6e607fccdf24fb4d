import BuildStamp

/// The version of privfed recorded with every job, so an audit can tell whether it re-executes
/// a job with the code that ran it.
public enum CodeVersion {
    public static let release = "0.1.0"

    /// `0.1.0+<12 digits of the commit>` as stamped into the binary when it was built
    /// (`BuildStamp`), with `-dirty` when the build had uncommitted changes, `0.1.0+unknown`
    /// when it was built outside a git checkout. Never read from the working directory.
    public static var current: String {
        guard BuildStamp.commit != "unknown" else { return release + "+unknown" }
        return release + "+" + String(BuildStamp.commit.prefix(12)) + (BuildStamp.dirty ? "-dirty" : "")
    }
}
