/// Where a value sits in a JSON answer: object keys joined by `.`, `[n]` for the n-th element of an array, and
/// `[?key]` for the first element whose `key` is `true` (DocuSign's default account: `accounts[?is_default].account_id`).
/// `[0].id` reads the first element of an array answer.
public struct ValuePath: Sendable, Equatable, CustomStringConvertible {
    /// One step of a path.
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
        case firstWhereTrue(String)
    }

    /// The steps, in order.
    public let steps: [Step]
    /// The text the path was read from.
    public let description: String

    /// Reads `text`; throws a message naming what is wrong.
    public init(_ text: String) throws(ValuePathError) {
        var steps: [Step] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw ValuePathError(reason: "'[' without ']'") }
                steps.append(try Self.bracket(rest[rest.index(after: rest.startIndex)..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                if !steps.isEmpty {
                    // After the first step, a key comes only after a '.'.
                    guard rest.first == "." else { throw ValuePathError(reason: "a key must follow '.'") }
                    rest = rest.dropFirst()
                }
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                let key = String(rest[..<end])
                guard Self.isKey(key) else { throw ValuePathError(reason: "'\(key)' is not a key made of letters, digits, '_' and '-'") }
                steps.append(.key(key))
                rest = rest[end...]
            }
        }
        guard !steps.isEmpty else { throw ValuePathError(reason: "must not be empty") }
        self.steps = steps
        description = text
    }

    /// The step written inside `[...]`: an index or `?key`.
    private static func bracket(_ inside: Substring) throws(ValuePathError) -> Step {
        if inside.hasPrefix("?") {
            let key = String(inside.dropFirst())
            guard isKey(key) else { throw ValuePathError(reason: "'[?key]' needs a key made of letters, digits, '_' and '-'") }
            return .firstWhereTrue(key)
        }
        guard !inside.isEmpty, inside.count <= 3, inside.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(inside) else {
            throw ValuePathError(reason: "'[\(inside)]' is neither an index below 1000 nor '[?key]'")
        }
        return .index(index)
    }

    /// The value at this path in a decoded JSON document, if there is one.
    public func value(in document: Any) -> Any? {
        var current: Any? = document
        for step in steps {
            switch step {
            case .key(let key): current = (current as? [String: Any])?[key]
            case .index(let index):
                guard let items = current as? [Any], index < items.count else { return nil }
                current = items[index]
            case .firstWhereTrue(let key):
                current = (current as? [Any])?.first { item in
                    let flag = (item as? [String: Any])?[key]
                    return (flag as? Bool) == true || (flag as? String) == "true"
                }
            }
        }
        return current
    }

    /// The value at this path as text: a string, or a whole number written out; nil for anything else.
    public func text(in document: Any) -> String? {
        switch value(in: document) {
        case let text as String: text
        case let number as Int: String(number)
        default: nil
        }
    }

    private static func isKey(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}

/// Why a value path could not be read.
public struct ValuePathError: Error, Sendable, Equatable {
    /// What is wrong, for a catalog issue.
    public var reason: String
}
