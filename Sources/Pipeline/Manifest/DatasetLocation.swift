import Foundation
import Learning
import Yams

/// Where a manifest's dataset is. A relative `dataset.path` means a folder relative to the
/// manifest file — as `#include "x.h"` is relative to the including file — so a manifest names
/// the same data whichever directory `privfed` is started from.
public enum DatasetLocation {
    /// The absolute folder that holds the manifest file at `path`.
    public static func directory(ofManifest path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
    }

    /// `written` made absolute against `directory` (nil: left as written), `..` removed.
    public static func resolve(_ written: String, relativeTo directory: String?) -> String {
        if written.hasPrefix("/") { return URL(fileURLWithPath: written).standardizedFileURL.path }
        guard let directory else { return written }
        return URL(fileURLWithPath: directory).appendingPathComponent(written).standardizedFileURL.path
    }

    /// Whether `path`, with symbolic links followed, lies inside `root` (or is it).
    public static func isInside(_ path: String, root: String) -> Bool {
        let inner = real(path), outer = real(root)
        return inner == outer || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
    }

    /// `path` absolute, `..` removed and every symbolic link followed, component by component —
    /// also a link before a part that does not exist (`root/link/missing`) and a dangling one,
    /// which Foundation's `resolvingSymlinksInPath` leaves as they are. Links are followed at
    /// most 40 deep (Linux's own limit, after which opening fails with ELOOP anyway).
    static func real(_ path: String, depth: Int = 0) -> String {
        var current = "/"
        for part in URL(fileURLWithPath: path).standardizedFileURL.pathComponents.dropFirst() {
            let next = (current as NSString).appendingPathComponent(part)
            if depth < 40, let target = try? FileManager.default.destinationOfSymbolicLink(atPath: next) {
                current = real(target.hasPrefix("/") ? target : (current as NSString).appendingPathComponent(target), depth: depth + 1)
            } else {
                current = next
            }
        }
        return URL(fileURLWithPath: current).standardizedFileURL.path
    }
}

/// Where a manifest that came from no file — an HTTP request body — reads its data from: a
/// relative `dataset.path` from the server's manifests folder (as the same text would as a shipped
/// manifest), and no `dataset.path` at all means the MNIST folder of the datasets root.
public struct RequestDatasets: Sendable, Equatable {
    public var manifestsDirectory: String
    public var root: String
    /// The folder a request body without `dataset.path` uses.
    public var defaultDataset: String { (root as NSString).appendingPathComponent("mnist") }

    public init(manifestsDirectory: String, root: String) {
        self.manifestsDirectory = URL(fileURLWithPath: manifestsDirectory).standardizedFileURL.path
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
    }
}

/// What the manifest reader checks about the dataset folder a manifest names, beyond its syntax.
public struct DatasetPolicy: Sendable {
    /// Datasets may only be named inside this absolute folder (the HTTP API's `--datasets-root`);
    /// nil allows any folder.
    public var root: String?
    /// Every MNIST file must exist and match `SHA256SUMS` (`privfed validate`, unless `--no-data`).
    public var verifiesFiles: Bool

    public init(root: String? = nil, verifiesFiles: Bool = false) {
        self.root = root.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.verifiesFiles = verifiesFiles
    }

    /// Reports the problems of `dataset` (its path already resolved) at the line of
    /// `dataset.path`. Outside the root the message names no path at all, neither the folder it
    /// resolved to nor the root: the server's layout is not the submitter's business.
    func check(_ dataset: DatasetSettings, root node: Node, _ f: inout YAMLFields) {
        let line = Self.line(of: node)
        func report(_ message: String) { f.report(nil, "dataset.path", message, fallbackLine: line) }
        if let root, !DatasetLocation.isInside(dataset.path, root: root) {
            report("names a folder outside the datasets this server may read; name one under its datasets root "
                   + "(a relative path is read from the server's manifests folder)")
            return
        }
        guard verifiesFiles else { return }
        let missing = (MNIST.files + [MNIST.checksumsFile]).filter {
            !FileManager.default.isReadableFile(atPath: (dataset.path as NSString).appendingPathComponent($0))
        }
        if !missing.isEmpty {
            report("\(dataset.path) has no readable \(missing.joined(separator: ", ")) (relative paths are read from the manifest's folder)")
            return
        }
        do {
            for result in try MNIST.verifyChecksums(directory: dataset.path) where !result.ok {
                let name = (result.file as NSString).lastPathComponent
                report("\(name) in \(dataset.path) hashes to \(result.actual), but its SHA256SUMS says \(result.expected)")
            }
        } catch {
            report("\(error)")
        }
    }

    /// The line of `dataset.path`, else of `dataset`, else 1.
    static func line(of root: Node) -> Int {
        func value(_ key: String, in node: Node) -> Node? {
            guard case .mapping(let map) = node else { return nil }
            return map.first { $0.key.scalar?.string == key }?.value
        }
        guard let dataset = value("dataset", in: root) else { return 1 }
        return (value("path", in: dataset) ?? dataset).mark?.line ?? 1
    }
}
