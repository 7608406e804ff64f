import Foundation

/// A value the provider tells Latchkey while a user connects (QuickBooks' `realmId`, Mailchimp's data center, Xero's
/// tenant id), declared in `auth.connect_values`. It is kept with the credential like a token field (non-secret) and
/// fills `{{name}}` in the base URL and injected headers, so the user types nothing the provider can say.
public struct ConnectValue: Sendable, Equatable {
    /// The template name the value is stored and used under.
    public var name: String
    /// Where the value comes from.
    public var source: ConnectValueSource
    /// A regular expression the whole value must match (required when the value goes into a host name).
    public var pattern: String?

    /// Creates a declaration.
    public init(name: String, source: ConnectValueSource, pattern: String? = nil) {
        self.name = name
        self.source = source
        self.pattern = pattern
    }

    /// Whether the value can still be learnt after the connect, with the access token alone (a follow-up request):
    /// a credential connected before the value was declared learns it on its first call (`ConnectValueBackfill`).
    public var isLearntLater: Bool {
        if case .request = source { true } else { false }
    }

    /// Whether `value` is acceptable: not empty, no control characters, and matching `pattern` when there is one.
    public func accepts(_ value: String) -> Bool {
        guard !value.isEmpty, value.utf8.count <= 2048, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            return false
        }
        guard let pattern else { return true }
        // The whole value must match, whether or not the file anchored its pattern.
        guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
        return regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
    }
}
