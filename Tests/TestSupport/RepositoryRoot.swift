import Foundation

/// The repository's root folder, found from this file's location, so tests read the shipped
/// migrations, manifests and MNIST copy from any working directory.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The repository's migrations/ folder: every scratch database is created with these.
public let repositoryMigrations = repositoryRoot.appendingPathComponent("migrations").path

/// The repository's MNIST copy (datasets/mnist), which the small jobs train on.
public let repositoryMNIST = repositoryRoot.appendingPathComponent("datasets/mnist").path
