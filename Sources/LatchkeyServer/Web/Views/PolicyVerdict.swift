/// What a binding's rules would do with a call ("Check a call" on the group page), in words.
struct PolicyVerdict: Encodable, Equatable {
    /// `allowed`, `refused` or `approval`.
    let kind: String
    let label: String
    let text: String
}
