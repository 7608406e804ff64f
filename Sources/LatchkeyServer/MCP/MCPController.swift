import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import Logging
import MCP
import NIOCore

/// `POST /mcp`: the Model Context Protocol over Streamable HTTP, for agents holding an `lka_…` key.
///
/// Each HTTP request gets its own MCP `Server` with the SDK's stateless transport: no session lives in one
/// process's memory, so any server behind a load balancer takes any request, and the tool list is read from the
/// group's bindings on every `tools/list`. Tool calls go through `ProxyForwarder`, the HTTP proxy's own path.
struct MCPController {
    let agents: AgentService
    /// A group's bindings, read for `tools/list`.
    let bindings: any GroupStore
    let forwarder: ProxyForwarder
    let tools: ToolCatalog
    let remote: RemoteToolset
    /// The largest request body read (`proxy_body_limit`).
    let limit: Int
    let origins: OriginValidator
    let validation: StandardValidationPipeline

    static let serverVersion = "1.0.0"

    init(agents: AgentService, bindings: any GroupStore, forwarder: ProxyForwarder, tools: ToolCatalog, remote: RemoteToolset, limit: Int, origins: OriginValidator) {
        self.agents = agents
        self.bindings = bindings
        self.forwarder = forwarder
        self.tools = tools
        self.remote = remote
        self.limit = limit
        self.origins = origins
        validation = StandardValidationPipeline(validators: [origins, AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator()])
    }

    func register(on router: Router<AppRequestContext>) {
        router.post("mcp") { request, context in try await handle(request, context: context) }
        router.allowOnly("mcp", [.post])
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let bearer = BearerToken.from(request)
        let agent: AgentContext
        agent = try await agents.authenticate(bearer: bearer)
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch { throw LatchkeyError.payloadTooLarge(limit: limit) }

        // A call of a remote server's tool is relayed without the SDK's round trip: the server's result goes back
        // as it came (content, structured content, images), under the agent's request id.
        if let relayed = await relayedRemoteCall(request, body: body, bearer: bearer, logger: context.logger) { return relayed }

        let server = MCP.Server(name: "latchkey", version: Self.serverVersion, title: "Latchkey",
                                instructions: "Tools call the APIs bound to your agent group; Latchkey adds the credentials.",
                                capabilities: .init(tools: .init(listChanged: false)))
        let logger = context.logger
        await server.withMethodHandler(ListTools.self) { [tools, remote, store = bindings] _ in
            // Read here, not for every request: initialize and tools/call do not need the bindings.
            let bindings = try await store.bindings(groupID: agent.group.id)
            return ListTools.Result(tools: tools.tools(for: bindings).map(\.mcp) + (await remote.tools(for: bindings, bearer: bearer, logger: logger)))
        }
        await server.withMethodHandler(CallTool.self) { [forwarder, tools, remote, limit] parameters in
            if case .unknownTool = tools.lookup(parameters.name), let (provider, bare) = remote.provider(ofTool: parameters.name) {
                let arguments = try parameters.arguments.map { try JSONEncoder().encode($0) }
                let result = await remote.call(provider: provider, tool: bare, argumentsJSON: arguments, bearer: bearer, logger: logger)
                return (try? JSONDecoder().decode(CallTool.Result.self, from: result)) ?? ToolCallOutcome.failure(
                    APIError.from(LatchkeyError.remoteServerRefused(provider: provider.id, reason: "its tool result could not be read")))
            }
            return await Self.call(parameters, bearer: bearer, forwarder: forwarder, tools: tools, limit: limit, logger: logger)
        }
        let transport = StatelessHTTPServerTransport(validationPipeline: validation)
        try await server.start(transport: transport)
        let answer = await transport.handleRequest(Self.mcpRequest(request, body: body))
        await server.stop()
        return Self.response(answer)
    }

    /// One tool call, answered as a tool result in every case: the MCP client shows errors to the user.
    static func call(_ parameters: CallTool.Parameters, bearer: String?, forwarder: ProxyForwarder, tools: ToolCatalog, limit: Int, logger: Logger) async -> CallTool.Result {
        let tool: AgentTool
        switch tools.lookup(parameters.name) {
        case .tool(let found): tool = found
        case .unknownProvider(let id): return ToolCallOutcome.failure(APIError.from(domain: .unknownProvider(id)))
        case .unknownTool(let provider):
            return ToolCallOutcome.failure(APIError.from(domain: .badRequest("\(provider) has no tool named '\(parameters.name.prefix(80))'; tools/list shows this group's tools")))
        }
        do {
            let call = try ToolCallBuilder.call(for: tool, arguments: parameters.arguments ?? [:])
            let forwarded = try await forwarder.forward(bearer: bearer, providerID: tool.provider.id, call: call)
            defer { forwarded.admission?.finish() }
            return try await ToolCallOutcome.result(of: forwarded.response, scrubber: forwarded.scrubber, limit: limit)
        } catch {
            let apiError = APIError.from(error)
            if apiError.isServerFault {
                logger.error("MCP tool call failed", metadata: ["provider": "\(tool.provider.id)", "error.type": "\(type(of: error))", "error": "\(ErrorMiddleware.safeDescription(error))"])
            }
            return ToolCallOutcome.failure(apiError)
        }
    }

    /// The SDK's view of the request. swift-http-types keeps HTTP/1.1's Host as the authority: it goes back into the
    /// headers, or the SDK's Host check would never see it.
    static func mcpRequest(_ request: Request, body: ByteBuffer) -> MCP.HTTPRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        if let authority = request.head.authority { headers["host"] = authority }
        return MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: Data(body.readableBytesView), path: "/mcp")
    }

    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let fieldName = HTTPField.Name(name) { headers[fieldName] = value }
        }
        headers[.cacheControl] = "no-store"
        let status = HTTPResponse.Status(code: answer.statusCode)
        guard let data = answer.bodyData else { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    /// DNS-rebinding protection: a `Host` (and, from browsers, an `Origin`) naming this server: its public URL, its
    /// listening address, or loopback.
    static func originValidator(publicURL: String, host: String, port: Int) -> OriginValidator {
        var hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*", "127.0.0.1", "localhost", "[::1]"]
        var origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
        if let url = URLComponents(string: publicURL), let scheme = url.scheme, let name = url.host, !name.isEmpty {
            let bracketed = name.contains(":") ? "[\(name)]" : name
            let defaultPort = scheme == "https" ? 443 : 80
            let effectivePort = url.port ?? defaultPort
            hosts += ["\(bracketed):\(effectivePort)"]
            if effectivePort == defaultPort { hosts.append(bracketed) }
            origins += ["\(scheme)://\(bracketed)" + (effectivePort == defaultPort ? "" : ":\(effectivePort)")]
        }
        if !["0.0.0.0", "::", "127.0.0.1", "localhost", "::1"].contains(host) {
            let bracketed = host.contains(":") ? "[\(host)]" : host
            hosts += ["\(bracketed):\(port == 0 ? "*" : String(port))"]
        }
        return OriginValidator(allowedHosts: hosts, allowedOrigins: origins)
    }
}
