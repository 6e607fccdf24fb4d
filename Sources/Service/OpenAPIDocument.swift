import Foundation

/// The OpenAPI 3.1 description of the HTTP API, `Resources/openapi.yaml`, shipped as a package
/// resource and served at `GET /api/openapi.yaml`.
public enum OpenAPIDocument {
    public static func text() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw APIError(.internalServerError, "internal", "openapi.yaml is missing from the privfed_Service resource bundle")
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
