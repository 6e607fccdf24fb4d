import Foundation

/// A new, empty folder `privfed-PREFIX-UUID` in the temporary directory, so tests never share or
/// clean up each other's files; `prefix` says which test made it.
public func scratchDirectory(prefix: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("privfed-\(prefix)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes `text` as `name` in `directory` and returns the file's path (a manifest a job reads).
@discardableResult
public func writeManifest(_ text: String, in directory: String, named name: String = "job.yaml") throws -> String {
    let path = directory + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
