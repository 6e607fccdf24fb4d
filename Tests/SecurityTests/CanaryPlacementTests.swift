import Learning
@testable import Pipeline
import Randomness
import XCTest

/// The one-run audit's bound compares neighbouring datasets that differ in one canary: flipping
/// one mask bit must add or remove exactly one example of exactly one client. The attack on the
/// old placement (the j-th *included* canary to client j mod K): flip an early bit and every later
/// canary moved to another client, so the "neighbour" differed for many clients at once.
final class CanaryPlacementTests: XCTestCase {
    func canaries(mask: [Bool]) -> CanarySet {
        let m = mask.count
        let images = LabeledImages(pixels: (0..<(m * 784)).map { Float($0 % 7) / 7 }, labels: (0..<m).map { UInt8($0 % 10) })
        return CanarySet(imageIndices: Array(0..<m), trueLabels: images.labels, labels: images.labels, mask: mask, salt: [],
                         examples: images, guessTotals: [])
    }

    /// Which client holds each canary (by canary index) after insertion.
    func placement(_ set: CanarySet, clients: Int, base: Int) -> [Int: Int] {
        let train = LabeledImages(pixels: [Float](repeating: 0, count: base * 784), labels: [UInt8](repeating: 0, count: base))
        let (_, shards) = set.insert(into: train, shards: [[Int]](repeating: [], count: clients))
        let included = set.mask.indices.filter { set.mask[$0] }
        var holder: [Int: Int] = [:]
        for (client, shard) in shards.enumerated() {
            for index in shard where index >= base { holder[included[index - base]] = client }
        }
        return holder
    }

    func testFlippingOneMaskBitChangesOneExampleOfOneClient() {
        var generator = RandomStreams(seed: 3).generator("mask")
        let mask = (0..<40).map { _ in generator.next() & 1 == 1 }
        let before = placement(canaries(mask: mask), clients: 3, base: 10)
        for bit in [0, 1, 17, 39] {
            var flipped = mask
            flipped[bit].toggle()
            let after = placement(canaries(mask: flipped), clients: 3, base: 10)
            var differing = Set(before.keys).symmetricDifference(after.keys)
            for (canary, client) in before where after[canary] != nil && after[canary] != client { differing.insert(canary) }
            XCTAssertEqual(differing, [bit], "flipping bit \(bit) moved other canaries between clients")
            for canary in Set(before.keys).union(after.keys) { XCTAssertEqual(before[canary] ?? after[canary], canary % 3) }
        }
    }
}
