import Foundation
import LatchkeyCore

/// Reads a binding policy from a request's JSON: `{"methods", "paths", "tools", "approve": [{"methods", "paths"}]}`.
/// Every problem names its field; unknown keys are refused.
enum PolicyInput {
    static func parse(_ value: Any?, field: String = "policy") throws(LatchkeyError) -> BindingPolicy? {
        switch value {
        case nil, is NSNull: return nil
        case let object as [String: Any]:
            try refuseUnknown(object, allowed: ["methods", "paths", "tools", "approve"], field: field)
            var approve: [ApprovalRule] = []
            switch object["approve"] {
            case nil, is NSNull: break
            case let rules as [Any]:
                for (index, rule) in rules.enumerated() {
                    let ruleField = "\(field).approve[\(index)]"
                    guard let rule = rule as? [String: Any] else { throw .validationFailed(field: ruleField, message: "'\(ruleField)' must be an object") }
                    try refuseUnknown(rule, allowed: ["methods", "paths"], field: ruleField)
                    approve.append(ApprovalRule(methods: try strings(rule["methods"], field: "\(ruleField).methods"),
                                                paths: try patterns(rule["paths"], field: "\(ruleField).paths")))
                }
            default: throw .validationFailed(field: "\(field).approve", message: "'\(field).approve' must be a list of rules")
            }
            return BindingPolicy(methods: try strings(object["methods"], field: "\(field).methods"), paths: try patterns(object["paths"], field: "\(field).paths"),
                                 tools: try strings(object["tools"], field: "\(field).tools"), approve: approve)
        default:
            throw .validationFailed(field: field, message: "'\(field)' must be an object or null")
        }
    }

    static func refuseUnknown(_ object: [String: Any], allowed: Set<String>, field: String) throws(LatchkeyError) {
        for key in object.keys.sorted() where !allowed.contains(key) {
            throw .validationFailed(field: "\(field).\(key)", message: "'\(key)' is not accepted in \(field); accepted: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    static func strings(_ value: Any?, field: String) throws(LatchkeyError) -> [String]? {
        switch value {
        case nil, is NSNull: return nil
        case let list as [Any]:
            var result: [String] = []
            for (index, item) in list.enumerated() {
                guard let text = item as? String, !text.isEmpty, text.utf8.count <= 512 else {
                    throw .validationFailed(field: "\(field)[\(index)]", message: "'\(field)[\(index)]' must be a non-empty string")
                }
                result.append(text)
            }
            return result
        default: throw .validationFailed(field: field, message: "'\(field)' must be a list of strings, or null for all")
        }
    }

    static func patterns(_ value: Any?, field: String) throws(LatchkeyError) -> [PathPattern]? {
        guard let texts = try strings(value, field: field) else { return nil }
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
