import XCTest
@testable import HomomorphicEncryption

final class ParameterTests: XCTestCase {
    func testStandardParametersAreSecure() throws {
        for scheme in HEScheme.allCases {
            for n in [4096, 8192, 16384, 32768] {
                let p = try HEParameters.standard(scheme: scheme, ringDegree: n)
                XCTAssertLessThanOrEqual(p.totalModulusBits, SecurityStandard.maximumLogQ[n]!)
            }
        }
        XCTAssertEqual(try HEParameters.standard(scheme: .ckks, ringDegree: 8192).coefficientModulusBits + [60], [60, 40, 40, 60])
    }

    func testInsecureParametersAreRefusedWithTheBound() {
        XCTAssertThrowsError(try HEParameters(scheme: .ckks, ringDegree: 8192, coefficientModulusBits: [60, 60, 60], specialModulusBits: [60])) { error in
            XCTAssertEqual(error as? HEParameterError, .insecure(ringDegree: 8192, logQ: 240, bound: 218))
            XCTAssertTrue("\(error)".contains("218"))
        }
        XCTAssertThrowsError(try HEParameters(scheme: .bfv, ringDegree: 4096, coefficientModulusBits: [60, 50], plaintextModulusBits: 20))
        XCTAssertThrowsError(try HEParameters(scheme: .ckks, ringDegree: 3000, coefficientModulusBits: [40]))
        XCTAssertNoThrow(try HEParameters(scheme: .ckks, ringDegree: 1024, coefficientModulusBits: [60, 40], allowInsecure: true))
    }

    func testParameterIDsDifferBetweenParameterSets() throws {
        let a = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: 4096))
        let b = HEContext(parameters: try .standard(scheme: .bfv, ringDegree: 4096))
        let a2 = HEContext(parameters: try .standard(scheme: .ckks, ringDegree: 4096))
        XCTAssertNotEqual(a.parameterID, b.parameterID)
        XCTAssertEqual(a.parameterID, a2.parameterID)
    }
}
