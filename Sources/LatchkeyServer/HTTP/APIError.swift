import Foundation
import Hummingbird
import LatchkeyCore

/// The JSON error of SPEC §4: `{"error": {"code", "message", "field"?, "setup_url"?}}`, with its status.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var field: String?
    var setupURL: String?
    /// Where a person approves the call (`approval_required`).
    var approvalURL: String?
    var extraHeaders: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, setupURL: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.setupURL = setupURL
    }

    /// 401 with the RFC 6750 challenge, on every route that takes a bearer token (proxy, `/v1/tools`, `/mcp`, API).
    static var unauthorizedBearer: APIError {
        var error = APIError(.unauthorized, "unauthorized", "a valid bearer token is required")
        error.extraHeaders[.wwwAuthenticate] = #"Bearer realm="latchkey""#
        return error
    }

    /// A failure on the server's side that operators must hear about (the caller could not have avoided it).
    var isServerFault: Bool { status == .internalServerError || code == "database_unavailable" }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: responseFields, body: .init(byteBuffer: jsonBody))
    }

    /// The response's headers: the JSON content type, no caching, and any extra header (a 401's challenge).
    var responseFields: HTTPFields {
        var headers = extraHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return headers
    }

    /// `{"error": {...}}`.
    var jsonBody: ByteBuffer {
        var error: [String: String] = ["code": code, "message": message]
        error["field"] = field
        error["setup_url"] = setupURL
        error["approval_url"] = approvalURL
        return JSONOutput.buffer(["error": error])
    }

    /// The one mapping from every error a handler can throw to the HTTP error users see.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as LatchkeyError: return from(domain: error)
        case StoreError.conflict(let what): return APIError(.conflict, "conflict", "already exists: \(what)")
        case StoreError.unavailable: return APIError(.serviceUnavailable, "database_unavailable", "the database did not answer; retry shortly")
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return APIError(.contentTooLarge, "payload_too_large", "the request body is too large")
            case .notFound: return APIError(.notFound, "not_found", "no such route")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "this method is not allowed here")
            case .badRequest: return APIError(.badRequest, "bad_request", "the request is malformed")
            default: return APIError(error.status, error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_"), error.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, "internal_error", "something went wrong on the server; it has been logged")
        }
    }

    static func from(domain error: LatchkeyError) -> APIError {
        switch error {
        case .badRequest(let message): APIError(.badRequest, "bad_request", message)
        case .validationFailed(let field, let message): APIError(.badRequest, "validation_failed", message, field: field)
        case .unauthorized: .unauthorizedBearer
        case .forbidden(let message): APIError(.forbidden, "forbidden", message)
        case .notFound(let what): APIError(.notFound, "not_found", "no such \(what)")
        case .conflict(let message): APIError(.conflict, "conflict", message)
        case .unknownProvider(let id): APIError(.notFound, "unknown_provider", "'\(id)' is not a provider in this deployment's catalog")
        case .credentialMissing(let provider, let url):
            APIError(.init(code: 424, reasonPhrase: "Failed Dependency"), "credential_missing", "this agent group has no credential bound for \(provider); a person must add one", setupURL: url)
        case .credentialNeedsReauth(let provider, let url):
            APIError(.init(code: 424, reasonPhrase: "Failed Dependency"), "credential_needs_reauth", "the \(provider) credential needs new consent from its owner", setupURL: url)
        case .refreshFailed(let provider): APIError(.serviceUnavailable, "refresh_failed", "the \(provider) token expired and could not be refreshed just now; retry later")
        case .payloadTooLarge(let limit): APIError(.contentTooLarge, "payload_too_large", "the request body is larger than \(limit) bytes")
        case .upstreamUnreachable(let provider): APIError(.badGateway, "upstream_unreachable", "\(provider)'s API could not be reached")
        case .upstreamTimeout: APIError(.gatewayTimeout, "upstream_timeout", "the provider's API did not answer in time")
        case .methodNotAllowed(let method): APIError(.methodNotAllowed, "method_not_allowed", "the proxy never forwards \(method)")
        case .upstreamForbidden(let provider):
            APIError(.forbidden, "upstream_forbidden", "the credential points \(provider) at a host that is not a public address; set LATCHKEY_ALLOW_PRIVATE_UPSTREAMS to allow it")
        case .policyDenied(_, let reason): APIError(.forbidden, "policy_denied", reason)
        case .remoteServerRefused(let provider, let reason): APIError(.badGateway, "mcp_server_refused", "\(provider): \(reason)")
        case .insufficientScope(let provider, let scopes, let url):
            APIError(.forbidden, "insufficient_scope", "\(provider) needs scopes the credential was not granted (\(scopes.joined(separator: " "))); its owner can reconnect asking for them", setupURL: url)
        case .approvalRequired(let provider, let url):
            {
                var error = APIError(.forbidden, "approval_required", "this \(provider) call needs the approval of the group's owner; retry once it is approved")
                error.approvalURL = url
                return error
            }()
        case .budgetExceeded(let message, let retryAfter, let url):
            {
                var error = APIError(.tooManyRequests, "budget_exceeded", message, setupURL: url)
                error.extraHeaders[.retryAfter] = String(retryAfter)
                return error
            }()
        }
    }
}
