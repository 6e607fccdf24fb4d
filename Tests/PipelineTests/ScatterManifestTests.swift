import Foundation
import XCTest
@testable import Pipeline
import TestSupport

/// `model.features`, the `linear` head and `privacy.ema_decay`: parsed, and refused with the key
/// and line where they cannot run.
final class ScatterManifestTests: XCTestCase {
    private let scatter = minimalManifest.replacingOccurrences(of: "  architecture: mlp", with: "  architecture: linear\n  features: scatter")
    private let dpSGD = """

    privacy:
      differential_privacy: true
      epsilon: 3
      max_grad_norm: 0.1
    """

    func testScatterFeaturesWithTheLinearHeadAndEMAParse() throws {
        let m = try ManifestReader().parse(scatter + dpSGD + "\n  ema_decay: 0.99", file: "m.yaml")
        XCTAssertEqual(m.model.features, .scatter)
        XCTAssertEqual(m.model.architecture, .linear)
        XCTAssertEqual(m.privacy.emaDecay, 0.99)
        XCTAssertEqual(try ManifestReader().parse(minimalManifest, file: "m.yaml").model.features, .pixels)
    }

    func testUnknownFeaturesValueNamesTheKeyLineAndOptions() throws {
        let found = try manifestIssues(scatter.replacingOccurrences(of: "features: scatter", with: "features: wavelets"))
        XCTAssertEqual(found.map(\.description), ["m.yaml:9: model.features: must be one of pixels, scatter, got 'wavelets'"])
    }

    func testScatterFeaturesWithAPixelNetworkAreRefused() throws {
        let found = try manifestIssues(scatter.replacingOccurrences(of: "architecture: linear", with: "architecture: mlp"))
        XCTAssertEqual(found.map(\.keyPath), ["model.architecture"])
        XCTAssertTrue(found[0].message.contains("features: scatter is built for the linear head and the cnn head"), "\(found)")
        XCTAssertEqual(try manifestIssues(scatter.replacingOccurrences(of: "architecture: linear", with: "architecture: cnn")).map(\.description), [])
        let pixels = try manifestIssues(minimalManifest.replacingOccurrences(of: "architecture: mlp", with: "architecture: linear"))
        XCTAssertEqual(pixels.map(\.keyPath), ["model.architecture"])
    }

    func testEMADecayOutsideTheOpenUnitIntervalOrWithoutDPSGDIsRefused() throws {
        let one = try manifestIssues(scatter + dpSGD + "\n  ema_decay: 1")
        XCTAssertEqual(one.map(\.keyPath), ["privacy.ema_decay"])
        XCTAssertEqual(one.first?.line, 19)
        let plain = try manifestIssues(scatter + "\nprivacy:\n  ema_decay: 0.9")
        XCTAssertEqual(plain.map(\.keyPath), ["privacy.ema_decay"])
        XCTAssertTrue(plain[0].message.contains("needs differential_privacy: true with unit: example"), "\(plain)")
    }
}
