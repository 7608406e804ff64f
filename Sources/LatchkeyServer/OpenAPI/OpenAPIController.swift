import Hummingbird

/// `GET /api/v1/openapi.json`: the OpenAPI document, without authentication (it describes the API, it holds nothing
/// of anyone's).
struct OpenAPIController {
    static let path = "api/v1/openapi.json"

    func register(on router: Router<AppRequestContext>) {
        let document = OpenAPIDocument.json
        router.get(RouterPath(Self.path)) { _, _ -> Response in
            switch document {
            case .success(let json):
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"], body: .init(byteBuffer: json))
            case .failure(let error):
                throw APIError(.internalServerError, "internal_error", "\(error)")
            }
        }
        router.allowOnly(RouterPath(Self.path), [.get])
    }
}
