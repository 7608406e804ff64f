import Foundation

/// A string with `{{variable}}` placeholders, parsed once at load time.
public struct Template: Sendable, Equatable, CustomStringConvertible {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case variable(String)
    }

    let pieces: [Piece]
    /// The variable names used, each once, in order of first use.
    public let variableNames: [String]
    /// The template's source text.
    public let source: String

    /// Parses `source`; throws when a `{{` is not closed or a variable name is empty or malformed.
    public init(_ source: String) throws(TemplateError) {
        self.source = source
        var pieces: [Piece] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.literal(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else { throw TemplateError(reason: "an unclosed '{{'") }
            let name = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw TemplateError(reason: "'{{\(name)}}' is not a valid variable name")
            }
            pieces.append(.variable(name))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
        var names: [String] = []
        for case .variable(let name) in pieces where !names.contains(name) { names.append(name) }
        variableNames = names
    }

    /// The variable names used.
    public var variables: Set<String> { Set(variableNames) }

    /// Renders with `values`; throws naming the first variable that has no value.
    public func render(_ values: [String: String]) throws(TemplateError) -> String {
        do {
            return try render(values) { _, value in value }
        } catch let error as TemplateError {
            throw error
        } catch {
            throw TemplateError(reason: "rendering failed")
        }
    }

    /// Renders, passing each variable's value through `transform` first (e.g. to validate host parts).
    public func render(_ values: [String: String], transform: (String, String) throws -> String) throws -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): out += text
            case .variable(let name):
                guard let value = values[name] else { throw TemplateError(reason: "no value for '\(name)'") }
                out += try transform(name, value)
            }
        }
        return out
    }

    public var description: String { source }
}

/// Why a template could not be parsed or rendered.
public struct TemplateError: Error, Sendable, Equatable {
    /// The reason, never containing a value.
    public var reason: String
}
