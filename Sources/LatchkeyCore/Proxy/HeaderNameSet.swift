/// A fixed set of header names, asked whether it holds a name (ASCII case ignored) with about one comparison: the
/// names are kept by byte length, and only those of the asked name's length are compared. For the lists the proxy
/// checks every header of every call against (`HeaderRules`).
public struct HeaderNameSet: Sendable {
    /// `byLength[n]`: the names of `n` bytes.
    private let byLength: [[String]]

    public init(_ names: [String]) {
        var byLength = [[String]](repeating: [], count: (names.map(\.utf8.count).max() ?? 0) + 1)
        for name in names { byLength[name.utf8.count].append(name) }
        self.byLength = byLength
    }

    /// Whether `name` is in the set, ASCII case ignored.
    public func contains(_ name: String) -> Bool {
        let length = name.utf8.count
        guard length < byLength.count else { return false }
        return byLength[length].contains { HeaderRules.sameName(name, $0) }
    }
}
