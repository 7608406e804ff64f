import Foundation
import LatchkeyCore

/// `POST /api/v1/webhooks`: `{"url", "events": [...], "all_users": true?}`, read strictly.
enum WebhookInput {
    /// The keys the route accepts.
    static let allowed: Set<String> = ["url", "events", "all_users"]

    /// The service's input from a checked body; every error names its field.
    static func parse(_ input: JSONInput) throws -> WebhookService.Input {
        guard let url = try input.string("url", required: true) else { throw LatchkeyError.validationFailed(field: "url", message: "'url' is required") }
        guard let events = try PolicyInput.strings(input.object["events"], field: "events") else {
            throw LatchkeyError.validationFailed(field: "events", message: "'events' is required: a list of event names")
        }
        return WebhookService.Input(url: url, events: events, allUsers: try flag(input.object["all_users"], field: "all_users"))
    }

    /// A JSON boolean (false when absent or null); numbers and strings are refused.
    static func flag(_ value: Any?, field: String) throws(LatchkeyError) -> Bool {
        switch value {
        case nil, is NSNull: return false
        case let number as NSNumber where String(cString: number.objCType) == "c": return number.boolValue
        default: throw .validationFailed(field: field, message: "'\(field)' must be true or false")
        }
    }
}
