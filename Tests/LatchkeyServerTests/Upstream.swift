import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What a loopback upstream received, exactly as it arrived.
struct RecordedRequest: Sendable {
    let method: String
    let uri: String
    let headers: HTTPFields
    let body: Data
}

/// Records every request a loopback upstream receives.
actor Recorder {
    private(set) var requests: [RecordedRequest] = []
    func add(_ request: RecordedRequest) { requests.append(request) }
}

/// A loopback API standing in for a provider: echoes what it got, and misbehaves on request.
enum Upstream {
    static func application(recorder: Recorder) -> some ApplicationProtocol {
        let router = Router()
        router.on("**", method: .get, use: { try await handle($0, $1, recorder) })
        for method in [HTTPRequest.Method.post, .put, .patch, .delete, .head] {
            router.on("**", method: method, use: { try await handle($0, $1, recorder) })
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Sendable static func handle(_ request: Request, _ context: BasicRequestContext, _ recorder: Recorder) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
        let data = Data(buffer: body)
        await recorder.add(RecordedRequest(method: request.method.rawValue, uri: request.uri.string, headers: request.headers, body: data))
        let path = request.uri.path
        if path.hasSuffix("/redirect") {
            return Response(status: .found, headers: [.location: "http://127.0.0.1:9/stolen"])
        }
        if path.hasSuffix("/cookie") {
            return Response(status: .ok, headers: [.setCookie: "session=provider-secret", .contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        if path.hasSuffix("/large") {
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: largeBody)))
        }
        if path.hasSuffix("/strict"), request.headers[.authorization] != "Bearer a0" {
            // Rejects every token but the one the scripted endpoint issues first: a 401 "with a token the broker thinks valid".
            return Response(status: .unauthorized, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"error":"invalid_token"}"#)))
        }
        if path.hasSuffix("/digest") {
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(data.count):\(data.reduce(0) { ($0 &* 31) &+ Int($1) })")))
        }
        return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "upstream saw \(request.method.rawValue) \(request.uri.string)")))
    }

    static let largeBody: [UInt8] = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
}
