import Foundation
import Hummingbird
import HummingbirdTesting
import Service
import TestSupport
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

    /// The document's `Manifest` is the whole manifest schema, not a bare `type: object`.
    func testTheManifestSchemaIsTheShippedJSONSchema() throws {
        let document = try XCTUnwrap(try Yams.load(yaml: OpenAPIDocument.text()) as? [String: Any])
        let schemas = try XCTUnwrap((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let manifest = try XCTUnwrap(schemas["Manifest"] as? [String: Any])
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("manifests/manifest.schema.json"))
        var shipped = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        shipped["$schema"] = nil
        shipped["$id"] = nil
        XCTAssertEqual(NSDictionary(dictionary: manifest), NSDictionary(dictionary: shipped))
    }

    /// A JSON manifest that the document's schema accepts is accepted by the server.
    func testASchemaValidJSONRequestIsAccepted() async throws {
        let document = try XCTUnwrap(try Yams.load(yaml: OpenAPIDocument.text()) as? [String: Any])
        let schema = try XCTUnwrap(((document["components"] as? [String: Any])?["schemas"] as? [String: Any])?["Manifest"] as? [String: Any])
        let request: [String: Any] = [
            "name": "from-schema", "seed": 11, "randomness": "reproducible",
            "dataset": ["name": "mnist", "path": "../datasets/mnist", "clients": 3, "partition": ["scheme": "iid"],
                        "train_examples": 600, "test_examples": 200],
            "model": ["architecture": "mlp"],
            "federation": ["rounds": 1, "clients_per_round": 3, "batch_size": 50, "learning_rate": 0.1],
            "privacy": ["differential_privacy": true, "epsilon": 5, "delta": 1e-5, "accountant": "rdp"],
        ]
        XCTAssertEqual(SchemaCheck.problems(request, schema), [], "the request is valid under the document's schema")
        let body = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let fixture = try APIFixture()
        try await fixture.test { client in
            let response = try await client.call(.post, "/api/jobs", body: body)
            XCTAssertEqual(response.status, .accepted, response.text)
        }
    }
}

/// A small structural JSON Schema check (type, required, additionalProperties, properties,
/// enum, minimum/maximum, maxLength) — enough to tell a request the schema forbids.
enum SchemaCheck {
    static func problems(_ value: Any, _ schema: [String: Any], at path: String = "") -> [String] {
        var out: [String] = []
        if let options = schema["enum"] as? [Any], !options.contains(where: { "\($0)" == "\(value)" }) { out.append("\(path): not in enum") }
        let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty && !types.contains(where: { matches(value, $0) }) { out.append("\(path): not \(types)") }
        if let x = number(value) {
            if let min = schema["minimum"].flatMap(number), x < min { out.append("\(path): below minimum") }
            if let max = schema["maximum"].flatMap(number), x > max { out.append("\(path): above maximum") }
        }
        if let text = value as? String, let max = schema["maxLength"] as? Int, text.count > max { out.append("\(path): too long") }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { out.append("\(path).\(key): required") }
            for (key, inner) in object {
                if let sub = properties[key] as? [String: Any] {
                    out += problems(inner, sub, at: path + "." + key)
                } else if schema["additionalProperties"] as? Bool == false {
                    out.append("\(path).\(key): not allowed")
                }
            }
        }
        return out
    }

    static func number(_ value: Any) -> Double? {
        if value is Bool { return nil }
        if let i = value as? Int { return Double(i) }
        if let u = value as? UInt64 { return Double(u) }
        return value as? Double
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return value is Bool
        case "integer": return number(value).map { $0 == $0.rounded() } ?? false  // JSON Schema: a number with no fraction
        case "number": return number(value) != nil
        case "null": return value is NSNull
        default: return true
        }
    }
}
