import ArgumentParser
import Foundation
import Pipeline

struct PartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Lay a manifest's partition out as one data folder per client.",
        subcommands: [PartitionExportCommand.self])
}

struct PartitionExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write each client's shard as its own MNIST training folder.",
        discussion: """
        privfed partition export manifests/quickstart.yaml --out shards writes \
        shards/client-0, shards/client-1, …: the client's training images and labels \
        (gzip IDX, the MNIST layout) and a SHA256SUMS for them, from the partition the \
        manifest's seed derives, as a job would. Copy each folder to its agent's machine.
        """)

    @Argument(help: "The manifest (YAML).") var manifest: String
    @Option(help: "The folder to create (must not exist).") var out: String
    @Flag(help: "Print the folders as JSON.") var json = false

    func run() throws {
        let (parsed, _) = try ManifestReader().read(path: manifest)
        let folders = try PartitionExport.export(parsed, out: URL(fileURLWithPath: out))
        if json { return try printJSON(folders) }
        for f in folders { print("\(f.path): client \(f.client), \(f.examples) examples") }
    }
}
