import Foundation
import LatchkeyCore

/// A map of credential field values as a request sends them (`{"api_key": "…"}`), read as strings; a number is
/// kept as its decimal text only for the keys a route allows numbers for (`values(numbersAllowedFor:)`). Its
/// descriptions and mirror show the field names only, so a value never reaches a log or an error message.
struct SecretFields: Decodable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private var storage: [String: String] = [:]
    /// The keys sent as numbers.
    private var numeric: Set<String> = []

    init(_ values: [String: String]) {
        storage = values
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: NameKey.self)
        for key in container.allKeys {
            do {
                storage[key.stringValue] = try container.decode(String.self, forKey: key)
            } catch {
                guard let number = try? container.decode(Double.self, forKey: key) else { throw error }
                storage[key.stringValue] = Self.text(number)
                numeric.insert(key.stringValue)
            }
        }
    }

    /// The values; a number under any other key than `numbersAllowedFor` is refused, naming `field.key`.
    func values(numbersAllowedFor allowed: Set<String> = [], field: String = "fields") throws(LatchkeyError) -> [String: String] {
        for key in numeric.sorted() where !allowed.contains(key) {
            throw .validationFailed(field: "\(field).\(key)", message: "'\(field).\(key)' must be a string")
        }
        return storage
    }

    /// A number as JSON wrote it: whole numbers without a fraction.
    static func text(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    var description: String { "SecretFields(\(storage.keys.sorted().joined(separator: ", ")); values hidden)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["names": storage.keys.sorted()]) }
}
