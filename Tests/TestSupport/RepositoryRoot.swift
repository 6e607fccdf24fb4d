import Foundation

/// The repository's root folder, found from this file's location, so tests read the shipped
/// manifests and MNIST copy from any working directory.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The folder privfed's migrations are compiled from (`Migration.shipped`); only the tests that
/// check the compiled-in list against it read it.
public let repositoryMigrations = repositoryRoot.appendingPathComponent("Sources/ResultsStore/Migrations").path

/// The repository's MNIST copy (datasets/mnist), which the small jobs train on.
public let repositoryMNIST = repositoryRoot.appendingPathComponent("datasets/mnist").path
