import Foundation
import Hummingbird
import HummingbirdTesting
import Service
import XCTest
import Yams

/// The OpenAPI document describes exactly the routes the server registers.
final class OpenAPIDocumentTests: XCTestCase {
    func testEveryRegisteredRouteIsInTheDocumentAndViceVersa() throws {
        let document = try XCTUnwrap(try Yams.load(yaml: OpenAPIDocument.text()) as? [String: Any])
        XCTAssertEqual(document["openapi"] as? String, "3.1.0")
        let paths = try XCTUnwrap(document["paths"] as? [String: Any])
        let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        var documented = Set<String>()
        for (path, item) in paths {
            for key in (item as? [String: Any] ?? [:]).keys where operationKeys.contains(key) {
                documented.insert("\(key.uppercased()) \(path)")
            }
        }
        XCTAssertEqual(documented, Set(APIRoute.all.map(\.description)))
    }

    func testPublicRoutesAreTheOnesTheDocumentExemptsFromSecurity() throws {
        let document = try XCTUnwrap(try Yams.load(yaml: OpenAPIDocument.text()) as? [String: Any])
        let paths = try XCTUnwrap(document["paths"] as? [String: [String: Any]])
        for route in APIRoute.all {
            let operation = try XCTUnwrap(paths[route.path]?[route.method.rawValue.lowercased()] as? [String: Any])
            let exempt = (operation["security"] as? [Any])?.isEmpty ?? false
            XCTAssertEqual(exempt, !route.requiresToken, route.description)
        }
    }

    /// The registered router answers every documented route with something other than 404/405.
    func testTheRouterAnswersEveryDocumentedRoute() async throws {
        let fixture = try APIFixture()
        try await fixture.test { client in
            for route in APIRoute.all {
                let response = try await client.call(route.method, route.path.replacingOccurrences(of: "{id}", with: "1"), body: "")
                XCTAssertNotEqual(response.status, .methodNotAllowed, route.description)
                if response.status == .notFound { XCTAssertEqual(response.apiError?.error.code, "job_not_found", route.description) }
            }
        }
    }
}
