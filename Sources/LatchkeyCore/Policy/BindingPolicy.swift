import Foundation

/// What the agents of a group may do with one binding: methods, path patterns under the base URL, MCP tools, and
/// the calls that need a person's approval first. Every part left out allows everything, so a binding without a
/// policy keeps calling anything under the provider's base URL.
///
/// A call is decided in this order: a call an approval rule catches needs approval (an approval rule also lets
/// through what `methods`/`paths` would refuse: "read-only, except POST /issues with my yes"); otherwise it must
/// match `methods` and `paths`. `HEAD` counts as `GET`.
public struct BindingPolicy: Sendable, Equatable, Codable {
    /// Allowed methods, upper case; nil for all.
    public var methods: [String]?
    /// Allowed path patterns; nil for all.
    public var paths: [PathPattern]?
    /// Allowed MCP tools by their bare names (`request` is the generic one); nil for all.
    public var tools: [String]?
    /// Calls that need approval.
    public var approve: [ApprovalRule]

    public init(methods: [String]? = nil, paths: [PathPattern]? = nil, tools: [String]? = nil, approve: [ApprovalRule] = []) {
        self.methods = methods
        self.paths = paths
        self.tools = tools
        self.approve = approve
    }

    enum CodingKeys: String, CodingKey { case methods, paths, tools, approve }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        methods = try container.decodeIfPresent([String].self, forKey: .methods)
        paths = try container.decodeIfPresent([PathPattern].self, forKey: .paths)
        tools = try container.decodeIfPresent([String].self, forKey: .tools)
        approve = try container.decodeIfPresent([ApprovalRule].self, forKey: .approve) ?? []
    }

    /// Whether the policy restricts nothing (and can be stored as none).
    public var isEmpty: Bool { methods == nil && paths == nil && tools == nil && approve.isEmpty }

    /// The decision for a call with `method` to `rawPath` (the path after `/v1/proxy/{provider}`, already through
    /// the base-URL guard).
    public func decide(method: String, rawPath: String) -> PolicyDecision {
        if !approve.isEmpty, let lenient = PolicyPath.segments(of: rawPath, lenient: true) {
            for (index, rule) in approve.enumerated() where Self.matches(method, rule.methods) && Self.matches(lenient, rule.paths, lenient: true) {
                return .needsApproval(rule: index)
            }
        }
        guard Self.matches(method, methods) else { return .denied("\(method) is not among the methods this binding allows (\(methods?.joined(separator: ", ") ?? ""))") }
        guard let paths else { return .allowed }
        guard let path = PolicyPath.segments(of: rawPath, lenient: false), Self.matches(path, paths, lenient: false) else {
            return .denied("the path is outside the patterns this binding allows")
        }
        return .allowed
    }

    /// Whether the MCP tool with this bare name may be listed and called.
    public func allows(tool: String) -> Bool { tools?.contains(tool) ?? true }

    static func matches(_ method: String, _ allowed: [String]?) -> Bool {
        guard let allowed else { return true }
        return allowed.contains(method) || (method == "HEAD" && allowed.contains("GET"))
    }

    static func matches(_ path: [String], _ patterns: [PathPattern]?, lenient: Bool) -> Bool {
        guard let patterns else { return true }
        return patterns.contains { $0.matches(path, lenient: lenient) }
    }
}
