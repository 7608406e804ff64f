/// Checks of a policy an owner submits: every problem names its field.
extension BindingPolicy {
    /// The most patterns, methods or tools in one list, and the most approval rules.
    static let maxEntries = 64

    /// Refuses empty lists where they would allow nothing by accident, unknown methods, bad tool names and too
    /// many entries; `tools` names the provider's tools (`request` included).
    /// `tools` nil: the provider's tools are not known ahead (a remote MCP server's); names must be MCP tool names.
    public func validated(tools knownTools: Set<String>?) throws(LatchkeyError) -> BindingPolicy {
        var policy = self
        policy.methods = try Self.methods(methods, field: "policy.methods")
        if let paths, paths.count > Self.maxEntries { throw .validationFailed(field: "policy.paths", message: "at most \(Self.maxEntries) path patterns") }
        if let tools {
            guard tools.count <= Self.maxEntries else { throw .validationFailed(field: "policy.tools", message: "at most \(Self.maxEntries) tools") }
            for tool in tools {
                if let knownTools, !knownTools.contains(tool) {
                    throw .validationFailed(field: "policy.tools", message: "'\(tool.prefix(80))' is not a tool of this provider; its tools are \(knownTools.sorted().joined(separator: ", "))")
                }
                let wellFormed = !tool.isEmpty && tool.utf8.count <= 128 && tool.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "_-.".utf8.contains(byte)
                }
                if knownTools == nil, !wellFormed {
                    throw .validationFailed(field: "policy.tools", message: "'\(tool.prefix(80))' is not an MCP tool name (1 to 128 of A-Z a-z 0-9 _ - .)")
                }
            }
        }
        guard approve.count <= Self.maxEntries else { throw .validationFailed(field: "policy.approve", message: "at most \(Self.maxEntries) approval rules") }
        for index in approve.indices {
            policy.approve[index].methods = try Self.methods(approve[index].methods, field: "policy.approve[\(index)].methods")
            if let paths = approve[index].paths, paths.count > Self.maxEntries {
                throw .validationFailed(field: "policy.approve[\(index)].paths", message: "at most \(Self.maxEntries) path patterns")
            }
        }
        return policy
    }

    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    static func methods(_ methods: [String]?, field: String) throws(LatchkeyError) -> [String]? {
        guard let methods else { return nil }
        var result: [String] = []
        for method in methods {
            let upper = method.uppercased()
            guard knownMethods.contains(upper) else {
                throw .validationFailed(field: field, message: "'\(method.prefix(20))' is not a method Latchkey forwards; use \(knownMethods.sorted().joined(separator: ", "))")
            }
            if !result.contains(upper) { result.append(upper) }
        }
        return result
    }
}
