import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import LatchkeyCore
import MCP
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Latchkey as the MCP client of remote MCP servers, for the tools it aggregates at `/mcp`: one session per bound
/// credential (initialized on first use, renewed when the server forgets it), the tool list cached briefly and
/// dropped when the server says it changed, every request sent through `ProxyForwarder` so that the credential is
/// injected fresh, refreshed on a 401 and scrubbed from whatever comes back.
final class RemoteMCPClient: Sendable {
    let forwarder: ProxyForwarder
    /// Resolves the agent's binding of a remote server.
    let agents: AgentService
    /// The reconnect links a refusal carries.
    let links: SetupLinks
    private let sessions = NIOLockedValueBox<[String: RemoteSession]>([:])
    private let lists = NIOLockedValueBox<[String: (tools: [Tool], at: ContinuousClock.Instant)]>([:])
    private let opening = SingleFlight<RemoteSession>()
    /// JSON-RPC ids, unique in this process: a server answers by id within a session, and many calls share one
    /// session, so a repeated id would hand one agent's result to another call.
    private let nextID = NIOLockedValueBox<Int>(1)
    private let listing = SingleFlight<[Tool]>()
    /// How long a remote tool list is reused when the server sends no `list_changed`.
    static let listLifetime: Duration = .seconds(60)
    static let protocolVersion = "2025-06-18"
    /// The largest single message read from a remote server.
    static let messageLimit = 10 * 1024 * 1024

    init(forwarder: ProxyForwarder, agents: AgentService, links: SetupLinks) {
        self.forwarder = forwarder
        self.agents = agents
        self.links = links
    }

    /// The remote server's tools (their own names) for the agent's binding of `provider`.
    func tools(bearer: String?, provider: Provider) async throws -> [Tool] {
        let binding = try await bound(bearer: bearer, provider: provider)
        if let cached = lists.withLockedValue({ $0[binding.key] }), ContinuousClock.now - cached.at < Self.listLifetime { return cached.tools }
        return try await listing.run(binding.key) {
            var tools: [Tool] = []
            var cursor: String?
            // Pages, at most 20 of them.
            for _ in 0..<20 {
                let params = try cursor.map { try Self.json(["cursor": $0]) } ?? Data("{}".utf8)
                let reply = try await self.request("tools/list", params: params, bearer: bearer, provider: provider, binding: binding, tool: nil)
                guard let result = reply.resultJSON, let page = try? JSONDecoder().decode(ToolPage.self, from: Data(result)) else {
                    throw LatchkeyError.remoteServerRefused(provider: provider.id, reason: "tools/list answered no list of tools")
                }
                tools += page.tools
                guard let next = page.nextCursor, !next.isEmpty else { break }
                cursor = next
            }
            self.lists.withLockedValue { $0[binding.key] = (tools, ContinuousClock.now) }
            return tools
        }
    }

    /// Calls the remote tool `name`; the server's JSON-RPC reply (its `result`, with `isError` for a tool's own
    /// failure, or its `error`). Throws Latchkey's refusals (policy, budget, consent) and transport failures.
    func call(bearer: String?, provider: Provider, name: String, argumentsJSON: Data?) async throws -> RemoteReply {
        let binding = try await bound(bearer: bearer, provider: provider)
        return try await request("tools/call", params: try Self.callParams(name: name, argumentsJSON: argumentsJSON), bearer: bearer,
                                 provider: provider, binding: binding, tool: name)
    }

    /// The `params` of a `tools/call`: the tool's own name and the arguments as the agent wrote them.
    static func callParams(name: String, argumentsJSON: Data?) throws -> Data {
        var params = Data(#"{"name":"#.utf8) + (try json(name))
        if let argumentsJSON, !argumentsJSON.isEmpty { params += Data(#","arguments":"#.utf8) + argumentsJSON }
        params += Data("}".utf8)
        return params
    }

    /// One page of `tools/list`.
    struct ToolPage: Decodable {
        let tools: [Tool]
        let nextCursor: String?
    }

    static func json(_ value: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])
    }

    /// Which credential the agent's binding uses: sessions and tool lists belong to it.
    struct Binding: Sendable {
        let key: String
        let credentialID: String
        let scopes: [String]
    }

    private func bound(bearer: String?, provider: Provider) async throws -> Binding {
        Self.binding(provider: provider, credential: try await agents.access(bearer: bearer, providerID: provider.id).credential)
    }

    static func binding(provider: Provider, credential: Credential) -> Binding {
        Binding(key: "\(provider.id)|\(credential.id)", credentialID: credential.id, scopes: credential.scopes)
    }

    /// The session of `binding` when one is open in this process (the event-loop relay takes only such calls).
    func openSession(_ binding: Binding) -> RemoteSession? {
        sessions.withLockedValue { $0[binding.key] }
    }

    /// Forgets the session of `binding`: the server said it no longer knows it.
    func forgetSession(_ binding: Binding) {
        sessions.withLockedValue { $0[binding.key] = nil }
    }

    /// One request in the binding's session; a session the server no longer knows is opened anew, once.
    private func request(_ method: String, params: Data, bearer: String?, provider: Provider, binding: Binding, tool: String?) async throws -> RemoteReply {
        var session = try await self.session(bearer: bearer, provider: provider, binding: binding)
        do {
            return try await send(method, params: params, bearer: bearer, provider: provider, binding: binding, session: session, tool: tool)
        } catch SessionGone.gone {
            forgetSession(binding)
            session = try await self.session(bearer: bearer, provider: provider, binding: binding)
            return try await send(method, params: params, bearer: bearer, provider: provider, binding: binding, session: session, tool: tool)
        }
    }

    private func session(bearer: String?, provider: Provider, binding: Binding) async throws -> RemoteSession {
        if let session = sessions.withLockedValue({ $0[binding.key] }) { return session }
        return try await opening.run(binding.key) {
            if let session = self.sessions.withLockedValue({ $0[binding.key] }) { return session }
            let params = try Self.json([
                "protocolVersion": Self.protocolVersion, "capabilities": [String: String](),
                "clientInfo": ["name": "latchkey", "version": MCPController.serverVersion],
            ] as [String: Any])
            let opened = RemoteSession(id: nil, protocolVersion: Self.protocolVersion)
            let (reply, sessionID) = try await self.exchange("initialize", params: params, bearer: bearer, provider: provider, binding: binding, session: opened, tool: nil)
            var session = RemoteSession(id: sessionID, protocolVersion: Self.protocolVersion)
            if let result = reply?.resultJSON, let version = JSONMembers(Array(result))?.plainString("protocolVersion"),
               !version.isEmpty, version.utf8.count <= 32, version.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) {
                session.protocolVersion = version
            }
            _ = try await self.exchange("notifications/initialized", params: nil, bearer: bearer, provider: provider, binding: binding, session: session, tool: nil)
            self.sessions.withLockedValue { $0[binding.key] = session }
            return session
        }
    }

    enum SessionGone: Error { case gone }

    private func send(_ method: String, params: Data, bearer: String?, provider: Provider, binding: Binding, session: RemoteSession, tool: String?) async throws -> RemoteReply {
        guard let reply = try await exchange(method, params: params, bearer: bearer, provider: provider, binding: binding, session: session, tool: tool).0 else {
            throw LatchkeyError.remoteServerRefused(provider: provider.id, reason: "\(method) got no answer")
        }
        return reply
    }

    /// One JSON-RPC message to the server (a notification when `params` is nil and the method starts with
    /// `notifications/`), and its reply with the session id the server set.
    private func exchange(_ method: String, params: Data?, bearer: String?, provider: Provider, binding: Binding, session: RemoteSession, tool: String?) async throws -> (RemoteReply?, String?) {
        let isNotification = method.hasPrefix("notifications/")
        let id = nextRequestID()
        let call = try Self.call(method, id: isNotification ? nil : id, params: params, provider: provider, session: session, tool: tool)
        let forwarded = try await forwarder.forward(bearer: bearer, providerID: provider.id, call: call)
        defer { forwarded.admission?.finish() }
        let response = forwarded.response
        let status = Int(response.status.code)
        let sessionID = response.headers.first(name: "mcp-session-id")
        if let refusal = refusal(status: status, headers: response.headers, provider: provider, binding: binding, session: session) { throw refusal }
        if isNotification || status == 202 { return (nil, sessionID) }
        let isStream = response.headers.first(name: "content-type")?.lowercased().contains("text/event-stream") == true
        var scrubbing = ScrubbingStream(forwarded.scrubber)
        var events = ServerSentEvents(limit: Self.messageLimit)
        var collected = ByteBuffer()
        var reply: RemoteReply?
        let idText = Array(String(id).utf8)
        func take(_ bytes: some Sequence<UInt8>) {
            if let answer = self.reply(in: Array(bytes), answering: idText, binding: binding) { reply = answer }
        }
        do {
            var iterator = response.body.makeAsyncIterator()
            while let chunk = try await iterator.next() {
                guard var clean = scrubbing.scrub(chunk) else { continue }
                if isStream {
                    for event in try events.feed(clean) { take(event) }
                    if reply != nil {
                        // The answer is in: the agent gets it now, and the rest of the stream (normally just its
                        // end) is read apart, so the connection goes back to the pool for the next call.
                        Self.drain(iterator)
                        break
                    }
                } else {
                    guard collected.readableBytes + clean.readableBytes <= Self.messageLimit else { throw LatchkeyError.payloadTooLarge(limit: Self.messageLimit) }
                    collected.writeBuffer(&clean)
                }
            }
            if reply == nil, var tail = scrubbing.finishBuffer() {
                if isStream { for event in try events.feed(tail) + (try events.feed(ByteBuffer(string: "\n\n"))) { take(event) } } else { collected.writeBuffer(&tail) }
            } else if reply == nil, isStream {
                for event in try events.feed(ByteBuffer(string: "\n\n")) { take(event) }
            }
        } catch is ServerSentEvents.TooLarge {
            throw LatchkeyError.payloadTooLarge(limit: Self.messageLimit)
        }
        if !isStream { take(collected.readableBytesView) }
        return (reply, sessionID)
    }

    /// A JSON-RPC id unique in this process.
    func nextRequestID() -> Int {
        nextID.withLockedValue { value -> Int in
            defer { value = value == Int.max ? 1 : value + 1 }
            return value
        }
    }

    /// The POST that carries one JSON-RPC message (a notification without `id`) to the server in `session`.
    static func call(_ method: String, id: Int?, params: Data?, provider: Provider, session: RemoteSession, tool: String?) throws -> ProxyForwarder.Call {
        var body = Data(#"{"jsonrpc":"2.0","method":"#.utf8) + (try json(method))
        if let id { body += Data(#","id":\#(id)"#.utf8) }
        if let params { body += Data(#","params":"#.utf8) + params }
        body += Data("}".utf8)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Accept", value: "application/json, text/event-stream")
        if method != "initialize" { headers.add(name: "MCP-Protocol-Version", value: session.protocolVersion) }
        if let id = session.id { headers.add(name: "Mcp-Session-Id", value: id) }
        return ProxyForwarder.Call(method: .post, path: provider.mcp?.endpointPath ?? "", query: nil, headers: headers, body: .bytes(ByteBuffer(data: body)),
                                   tool: tool, toMCPServer: true, gated: tool != nil)
    }

    /// What a status other than 2xx means for the call: a session the server forgot (`SessionGone`), a credential to
    /// reconnect, a scope to add, or a refusal; nil for 2xx.
    func refusal(status: Int, headers: HTTPHeaders, provider: Provider, binding: Binding, session: RemoteSession) -> (any Error)? {
        switch status {
        case 200..<300: return nil
        case 404 where session.id != nil: return SessionGone.gone
        case 401: return LatchkeyError.credentialNeedsReauth(provider: provider.id, setupURL: links.reconnect(credentialID: binding.credentialID))
        case 403:
            if let challenge = BearerChallenge.parse(headers.first(name: "www-authenticate")), challenge.error == "insufficient_scope" {
                let wanted = Array(Set(binding.scopes + challenge.scopes)).sorted()
                return LatchkeyError.insufficientScope(provider: provider.id, scopes: challenge.scopes,
                                                       setupURL: links.reconnect(credentialID: binding.credentialID, addingScopes: wanted))
            }
            return LatchkeyError.remoteServerRefused(provider: provider.id, reason: "the MCP server answered HTTP 403")
        default: return LatchkeyError.remoteServerRefused(provider: provider.id, reason: "the MCP server answered HTTP \(status)")
        }
    }

    /// The reply in one message from the server when it answers the request with id `idText` (its `result` or
    /// `error`); anything else on the stream (another id) is not this call's. A `list_changed` drops the cached list.
    func reply(in message: [UInt8], answering idText: [UInt8], binding: Binding) -> RemoteReply? {
        guard let members = JSONMembers(message) else { return nil }
        if members.plainString("method") == "notifications/tools/list_changed" { lists.withLockedValue { $0[binding.key] = nil } }
        guard let answered = members["id"], answered.elementsEqual(idText) else { return nil }
        let result = members.members.first { $0.key.elementsEqual("result".utf8) }?.value
        return result != nil || members["error"] != nil ? RemoteReply(message: message, result: result) : nil
    }

    /// Reads what is left of a response stream in the background, up to a bound, then drops it.
    static func drain(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
        let box = UncheckedIterator(iterator)
        Task {
            var iterator = box.iterator
            var left = messageLimit
            while left > 0, let chunk = try? await iterator.next() { left -= chunk.readableBytes }
        }
    }

    /// Moves the body's iterator into the draining task; nothing else touches it afterwards.
    struct UncheckedIterator: @unchecked Sendable {
        var iterator: HTTPClientResponse.Body.AsyncIterator
        init(_ iterator: HTTPClientResponse.Body.AsyncIterator) { self.iterator = iterator }
    }
}
