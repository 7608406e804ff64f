/// Which database a process uses.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL URL.
    case postgres(url: String)

    /// Parses `sqlite:PATH`, `sqlite:///ABS`, a bare path, or `postgres://…`.
    public static func parse(_ text: String) throws(ConfigurationError) -> DatabaseLocation {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .postgres(url: text) }
        var path = text
        if path.hasPrefix("sqlite://") { path = String(path.dropFirst("sqlite://".count)) } else if path.hasPrefix("sqlite:") { path = String(path.dropFirst("sqlite:".count)) }
        guard !path.isEmpty, !path.contains("://") else {
            throw ConfigurationError("database URL '\(Self.redacted(text))' is neither sqlite:PATH nor postgres://…")
        }
        return .sqlite(path: path)
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): Self.redacted(url)
        }
    }

    /// The URL with any password replaced, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let userInfo = url[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return url.replacingCharacters(in: userInfo.index(after: colon)..<at, with: "****")
    }
}
