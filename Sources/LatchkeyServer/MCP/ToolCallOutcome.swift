import AsyncHTTPClient
import Foundation
import LatchkeyCore
import MCP
import NIOCore

/// What a tool call returns to the MCP client.
///
/// - The provider answered 2xx/3xx: its body as text (or base64 when it is not UTF-8).
/// - The provider answered 4xx/5xx: `isError`, with the status and the body.
/// - Latchkey refused or could not forward the call: `isError`, with SPEC's error code, its message and, for a
///   missing binding or a credential needing consent, the setup link; `structuredContent` carries the same error
///   object the HTTP proxy returns.
enum ToolCallOutcome {
    /// Reads at most `limit` bytes of the response; every injected value in it is overwritten by `scrubber` before
    /// anything of it becomes text or base64.
    static func result(of response: HTTPClientResponse, scrubber: SecretScrubber, limit: Int) async throws -> CallTool.Result {
        let status = Int(response.status.code)
        let body: ByteBuffer
        do { body = ScrubbingStream.scrubbed(try await response.body.collect(upTo: limit), by: scrubber) } catch {
            return failure(APIError.from(LatchkeyError.payloadTooLarge(limit: limit)), note: "the provider's response is larger than \(limit) bytes")
        }
        let contentType = scrubber.scrubbed(response.headers.first(name: "content-type") ?? "")
        let text = bodyText(body, contentType: contentType)
        let isError = status >= 400
        let summary = isError ? "The provider answered HTTP \(status)." : "HTTP \(status)"
        var content: [Tool.Content] = []
        if isError || text.isEmpty { content.append(.text(text: text.isEmpty ? "\(summary) (no body)" : summary, annotations: nil, _meta: nil)) }
        if !text.isEmpty { content.append(.text(text: text, annotations: nil, _meta: nil)) }
        let structured: Value? = .object(["status": .int(status), "content_type": .string(contentType)])
        return CallTool.Result(content: content, structuredContent: structured, isError: isError)
    }

    /// A refused or failed call, with its code and setup link.
    static func failure(_ error: APIError, note: String? = nil) -> CallTool.Result {
        var text = "\(error.code): \(note ?? error.message)"
        if let setupURL = error.setupURL { text += "\nFix it here: \(setupURL)" }
        if let approvalURL = error.approvalURL { text += "\nThe owner decides here: \(approvalURL)" }
        var object: [String: Value] = ["code": .string(error.code), "message": .string(error.message), "status": .int(Int(error.status.code))]
        if let setupURL = error.setupURL { object["setup_url"] = .string(setupURL) }
        if let approvalURL = error.approvalURL { object["approval_url"] = .string(approvalURL) }
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: Value?.some(.object(["error": .object(object)])), isError: true)
    }

    static func bodyText(_ body: ByteBuffer, contentType: String) -> String {
        guard body.readableBytes > 0 else { return "" }
        let bytes = Array(body.readableBytesView)
        if !contentType.hasPrefix("image/"), let text = String(validating: bytes, as: UTF8.self) { return text }
        let data = Data(body.readableBytesView)
        return "(\(data.count) bytes of \(contentType.isEmpty ? "binary data" : contentType), base64) \(data.base64EncodedString())"
    }
}
