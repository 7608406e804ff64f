import Foundation
import LatchkeyCore
import Testing
@testable import LatchkeyServer

/// The typed request inputs, read through `StrictDecoder`: unknown keys, wrong types and missing values are refused
/// naming the field's path, and nothing a client sent as a value comes back in a message or a description.
@Suite struct StrictDecoderTests {
    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try StrictDecoder.decode(type, from: try JSONBody.parse(Array(json.utf8)))
    }

    /// The `validationFailed` decoding `json` as `T` throws: its field and message.
    func failure<T: Decodable>(_ type: T.Type, _ json: String) -> (field: String, message: String)? {
        do {
            _ = try decode(type, json)
            return nil
        } catch LatchkeyError.validationFailed(let field, let message) {
            return (field, message)
        } catch {
            return ("other: \(error)", "")
        }
    }

    @Test(arguments: [
        (#"{"credential_id":"c","owner":"x"}"#, "owner"),
        (#"{"credential_id":"c","policy":{"allow":["/x"]}}"#, "policy.allow"),
        (#"{"credential_id":"c","policy":{"approve":[{"methods":["DELETE"]},{"verbs":["DELETE"]}]}}"#, "policy.approve[1].verbs"),
        (#"{"credential_id":"c","policy":{"paths":["/a",5]}}"#, "policy.paths[1]"),
        (#"{"credential_id":"c","policy":{"methods":"GET"}}"#, "policy.methods"),
        (#"{"credential_id":"c","policy":"everything"}"#, "policy"),
        (#"{"credential_id":5}"#, "credential_id"),
        (#"{"credential_id":null}"#, "credential_id"),
        (#"{"policy":null}"#, "credential_id"),
    ])
    func aBindingNamesTheFieldOfItsProblem(_ json: String, _ field: String) {
        #expect(failure(BindingInput.self, json)?.field == field)
    }

    @Test func anUnknownKeyIsRefusedBeforeAnyValueIsRead() {
        // Both problems are in the body; the unknown key is named, whatever the order of the members.
        #expect(failure(GroupInput.self, #"{"name":5,"extra":1}"#)?.field == "extra")
        let message = failure(GroupInput.self, #"{"name":"g","extra":1}"#)?.message ?? ""
        #expect(message.contains("'extra' is not accepted") && message.contains("accepted: name"), "\(message)")
        #expect(failure(EmptyInput.self, #"{"minutes":5}"#)?.field == "minutes")
        #expect((try? decode(EmptyInput.self, "{}")) != nil)
    }

    @Test func numbersAreWholeAndNotBooleansAndStringsAreNotNumbers() throws {
        #expect(try decode(BudgetInput.self, #"{"max_concurrent":3,"limits":[{"per":"day","calls":5}]}"#).maxConcurrent == 3)
        #expect(try decode(ApproveInput.self, #"{"for_seconds":6e2}"#).forSeconds == 600)
        for json in [#"{"max_concurrent":true}"#, #"{"max_concurrent":1.5}"#, #"{"max_concurrent":"3"}"#, #"{"max_concurrent":1e300}"#] {
            #expect(failure(BudgetInput.self, json)?.field == "max_concurrent", "\(json)")
        }
        #expect(failure(BudgetInput.self, #"{"limits":[{"per":"day","calls":1},{"per":"day","calls":false}]}"#)?.field == "limits[1].calls")
        #expect(failure(BudgetInput.self, #"{"limits":[{"calls":1}]}"#)?.field == "limits[0].per")
        #expect(failure(WebhookInput.self, #"{"url":"https://x.example","events":["credential.deleted"],"all_users":"yes"}"#)?.field == "all_users")
        #expect(failure(GroupInput.self, #"{"name":true}"#)?.message == "'name' must be a string")
    }

    @Test func missingAndNullRequiredValuesAreNamed() {
        #expect(failure(GroupInput.self, "{}")?.field == "name")
        #expect(failure(GroupInput.self, #"{"name":null}"#)?.message == "'name' is required")
        #expect(failure(UserProviderInput.self, #"{"id":"a","name":"b","mcp":{}}"#)?.field == "mcp.url")
        #expect(failure(UserProviderInput.self, #"{"id":"a","name":"b","mcp":{"url":"https://x","token":"t"}}"#)?.field == "mcp.token")
        #expect(failure(WebhookInput.self, #"{"url":"https://x.example"}"#)?.field == "events")
    }

    @Test func fieldMapsTakeNumbersOnlyWhereAllowed() throws {
        let created = try decode(CredentialCreateInput.self, #"{"provider":"p","name":"n","fields":{"access_token":"a","expires_in":3600}}"#)
        #expect(try created.fieldValues() == ["access_token": "a", "expires_in": "3600"])
        let numeric = try decode(CredentialCreateInput.self, #"{"provider":"p","name":"n","fields":{"api_key":12345}}"#)
        #expect(throws: LatchkeyError.validationFailed(field: "fields.api_key", message: "'fields.api_key' must be a string")) { try numeric.fieldValues() }
        let patched = try decode(CredentialUpdateInput.self, #"{"fields":{"expires_in":60}}"#)
        #expect(throws: LatchkeyError.self) { try patched.fieldValues() }
        #expect(failure(CredentialCreateInput.self, #"{"provider":"p","name":"n","fields":{"api_key":true}}"#)?.field == "fields.api_key")
        // A map key that looks like a number is a name, not a list index.
        #expect(failure(CredentialCreateInput.self, #"{"provider":"p","name":"n","fields":{"0":[]}}"#)?.field == "fields.0")
    }

    @Test func aValueSentNeverComesBackInAMessageOrADescription() throws {
        let secret = "sk_live_CANARY_9f8e7d"
        for json in [#"{"provider":"p","name":"n","fields":{"api_key":["\#(secret)"]}}"#, #"{"provider":"p","name":{"x":"\#(secret)"}}"#,
                     #"{"provider":"p","name":"n","fields":"\#(secret)"}"#] {
            let message = failure(CredentialCreateInput.self, json)?.message ?? ""
            #expect(!message.isEmpty && !message.contains(secret), "\(message)")
        }
        let input = try decode(CredentialCreateInput.self, #"{"provider":"p","name":"n","fields":{"api_key":"\#(secret)"}}"#)
        var dumped = ""
        dump(input, to: &dumped)
        for text in [String(describing: input), String(reflecting: input), "\(input)", dumped] {
            #expect(!text.contains(secret), "\(text)")
        }
        #expect(String(describing: input).contains("api_key"), "the names still show")
        let app = try decode(OAuthAppInput.self, #"{"client_id":"cid","client_secret":"\#(secret)"}"#)
        var appDump = ""
        dump(app, to: &appDump)
        for text in [String(describing: app), String(reflecting: app), appDump] {
            #expect(!text.contains(secret), "\(text)")
        }
    }

    @Test func theBodyMustBeAJSONObject() {
        for json in ["[1]", "\"x\"", "null", "", "{\"a\":1}}", "{\"a\":"] {
            #expect(throws: LatchkeyError.self) { _ = try JSONBody.parse(Array(json.utf8)) }
            do { _ = try JSONBody.parse(Array(json.utf8)) } catch {
                if case .badRequest = error {} else { Issue.record("\(json): \(error)") }
            }
        }
    }
}
