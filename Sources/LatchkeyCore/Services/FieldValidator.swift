import Foundation

/// Checks credential field values against a provider's schema. Error messages name fields, never values.
public enum FieldValidator {
    /// The longest value accepted for any field.
    public static let maxValueLength = 16 * 1024

    /// Validates `fields` for `provider`. With `partial`, missing fields are allowed (an update keeps them).
    public static func validate(_ fields: [String: String], for provider: Provider, partial: Bool) throws(LatchkeyError) {
        for name in fields.keys.sorted() where provider.field(named: name) == nil {
            throw .validationFailed(field: "fields.\(name)", message: "'\(name)' is not a field of \(provider.id); it takes \(provider.fields.map(\.name).joined(separator: ", "))")
        }
        for field in provider.fields {
            guard let value = fields[field.name] else {
                if field.required && !partial { throw .validationFailed(field: "fields.\(field.name)", message: "'\(field.name)' is required") }
                continue
            }
            try check(value, field: field)
        }
    }

    /// Validates one value against its field.
    public static func check(_ value: String, field: CredentialField) throws(LatchkeyError) {
        let path = "fields.\(field.name)"
        if value.isEmpty && field.required { throw .validationFailed(field: path, message: "'\(field.name)' must not be empty") }
        if value.utf8.count > maxValueLength { throw .validationFailed(field: path, message: "'\(field.name)' is longer than \(maxValueLength) bytes") }
        // Values end up in headers, query strings and URLs: control characters would split or smuggle requests.
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw .validationFailed(field: path, message: "'\(field.name)' must not contain control characters")
        }
        if let pattern = field.pattern, !value.isEmpty {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
            else { throw .validationFailed(field: path, message: "'\(field.name)' does not match the expected format \(pattern)") }
        }
    }
}
