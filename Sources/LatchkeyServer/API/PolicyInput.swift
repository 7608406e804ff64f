import Foundation
import LatchkeyCore

/// A binding policy as a request sends it: `{"methods", "paths", "tools", "approve": [{"methods", "paths"}]}`, each
/// optional (absent or null: no limit). `policy(field:)` checks the values, naming the field of each problem.
struct PolicyInput: Decodable, Sendable {
    var methods: [String]?
    var paths: [String]?
    var tools: [String]?
    var approve: [ApprovalRuleInput]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case methods, paths, tools, approve
    }

    /// The policy, with every string non-empty and every path a valid pattern.
    func policy(field: String = "policy") throws(LatchkeyError) -> BindingPolicy {
        var rules: [ApprovalRule] = []
        for (index, rule) in (approve ?? []).enumerated() {
            let ruleField = "\(field).approve[\(index)]"
            rules.append(ApprovalRule(methods: try Self.strings(rule.methods, field: "\(ruleField).methods"),
                                      paths: try Self.patterns(rule.paths, field: "\(ruleField).paths")))
        }
        return BindingPolicy(methods: try Self.strings(methods, field: "\(field).methods"), paths: try Self.patterns(paths, field: "\(field).paths"),
                             tools: try Self.strings(tools, field: "\(field).tools"), approve: rules)
    }

    /// The list as given, each item a non-empty string of at most 512 bytes.
    static func strings(_ list: [String]?, field: String) throws(LatchkeyError) -> [String]? {
        guard let list else { return nil }
        for (index, text) in list.enumerated() where text.isEmpty || text.utf8.count > 512 {
            throw .validationFailed(field: "\(field)[\(index)]", message: "'\(field)[\(index)]' must be a non-empty string")
        }
        return list
    }

    /// The list as path patterns.
    static func patterns(_ list: [String]?, field: String) throws(LatchkeyError) -> [PathPattern]? {
        guard let texts = try strings(list, field: field) else { return nil }
        var result: [PathPattern] = []
        for (index, text) in texts.enumerated() {
            do { result.append(try PathPattern(text)) } catch {
                if case .badRequest(let message) = error { throw .validationFailed(field: "\(field)[\(index)]", message: message) }
                throw error
            }
        }
        return result
    }
}
