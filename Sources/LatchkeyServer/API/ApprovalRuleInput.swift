/// One rule of a policy's `approve` list: `{"methods"?, "paths"?}`; calls it matches wait for a person's approval.
struct ApprovalRuleInput: Decodable, Sendable {
    var methods: [String]?
    var paths: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case methods, paths
    }
}
