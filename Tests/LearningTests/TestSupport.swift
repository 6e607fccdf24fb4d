import Foundation
import Randomness
@testable import Learning

/// The repository's MNIST copy, found from this file's location (works from any working directory).
let mnistDirectory: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("datasets/mnist").path

/// Loads MNIST once for all tests of the process.
let sharedMNIST: MNIST = {
    do { return try MNIST.load(directory: mnistDirectory) } catch { fatalError("MNIST fixture: \(error)") }
}()

func testGenerator(_ name: String) -> ChaCha20Generator { RandomStreams(seed: 20_261_125).generator(name) }

/// Uniform floats in [lo, hi).
func uniformFloats(_ count: Int, _ lo: Float, _ hi: Float, _ generator: inout ChaCha20Generator) -> [Float] {
    (0..<count).map { _ in lo + (hi - lo) * generator.nextUnitFloat() }
}
