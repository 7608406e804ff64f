import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import LatchkeyServer

@Suite struct ManagementAPITests {
    @Test func aStoredSecretIsMaskedInEveryResponse() async throws {
        let env = try await TestEnvironment()
        let alice = try await env.user("alice@example.com")
        let canary = "canary_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        try await env.live { client in
            let created = try await client.call(.post, "/api/v1/credentials", auth: alice, json: #"{"provider":"echo","name":"main","fields":{"api_key":"\#(canary)"}}"#)
            #expect(created.status == .created)
            #expect((created["fields"] as? [String: String])?["api_key"] == "********")
            let id = try #require(created["id"] as? String)
            let replies = [
                created,
                try await client.call(.get, "/api/v1/credentials", auth: alice),
                try await client.call(.get, "/api/v1/credentials/\(id)", auth: alice),
                try await client.call(.patch, "/api/v1/credentials/\(id)", auth: alice, json: #"{"name":"renamed"}"#),
                try await client.call(.get, "/api/v1/audit", auth: alice),
            ]
            for reply in replies {
                #expect(reply.status.code < 300)
                #expect(!reply.text.contains(canary))
                #expect(!reply.text.contains(Data(canary.utf8).base64EncodedString().dropLast(4)))
            }
        }
    }

    @Test func aPatchWithoutTheSecretKeepsIt() async throws {
        let env = try await TestEnvironment()
        let alice = try await env.user("alice@example.com")
        try await env.live { client in
            let id = try #require(try await client.call(.post, "/api/v1/credentials", auth: alice, json: #"{"provider":"echo-basic","name":"b","fields":{"username":"u1","password":"p1"}}"#)["id"] as? String)
            let patched = try await client.call(.patch, "/api/v1/credentials/\(id)", auth: alice, json: #"{"fields":{"username":"u2"}}"#)
            #expect(patched.status == .ok)
            #expect((patched["fields"] as? [String: String]) == ["username": "u2", "password": "********"])
        }
        let stored = try #require(try await env.runtime.store.credentials(ownerID: (try await env.runtime.store.user(email: "alice@example.com"))?.id ?? "").first)
        #expect(try await env.runtime.credentials.values(of: stored) == ["username": "u2", "password": "p1"])
    }

    @Test(arguments: [
        (#"{"provider":"echo","name":"x","fields":{"api_key":"ok","nope":"x"}}"#, "fields.nope"),
        (#"{"provider":"echo","name":"x","fields":{}}"#, "fields.api_key"),
        (#"{"provider":"echo","name":"x","fields":{"api_key":"has spaces!"}}"#, "fields.api_key"),
        (#"{"provider":"echo","name":"x","fields":{"api_key":"ok"},"colour":"blue"}"#, "colour"),
        (#"{"provider":"nope","name":"x","fields":{}}"#, "provider"),
        (#"{"provider":"echo","fields":{"api_key":"ok"}}"#, "name"),
        (#"{"provider":"echo","name":"x","fields":{"api_key":5}}"#, "fields.api_key"),
    ])
    func anInvalidCredentialNamesTheFieldAndStoresNothing(_ body: String, _ field: String) async throws {
        let env = try await TestEnvironment()
        let alice = try await env.user("alice@example.com")
        try await env.live { client in
            let reply = try await client.call(.post, "/api/v1/credentials", auth: alice, json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.errorCode == "validation_failed")
            #expect(reply.errorField == field)
            #expect(try await client.call(.get, "/api/v1/credentials", auth: alice).list("credentials").isEmpty)
        }
    }

    @Test func badInputGetsA4xxJSONErrorStoresNothingAndTheServerStaysUp() async throws {
        let env = try await TestEnvironment()
        let alice = try await env.user("alice@example.com")
        try await env.live { client in
            let good = #"{"provider":"echo","name":"x","fields":{"api_key":"ok"}}"#
            var invalidUTF8 = ByteBuffer(string: #"{"provider":"echo","name":""#)
            invalidUTF8.writeBytes([0xff, 0xfe, 0xc0])
            invalidUTF8.writeString(#"","fields":{"api_key":"ok"}}"#)
            let cases: [(String, JSONReply, HTTPResponse.Status, String)] = [
                ("malformed", try await client.call(.post, "/api/v1/credentials", auth: alice, json: #"{"provider": "echo", "#), .badRequest, "bad_request"),
                ("array", try await client.call(.post, "/api/v1/credentials", auth: alice, json: "[1,2]"), .badRequest, "bad_request"),
                ("text/plain", try await client.call(.post, "/api/v1/credentials", auth: alice, json: good, headers: [.contentType: "text/plain"]), .unsupportedMediaType, "unsupported_media_type"),
                ("form", try await client.call(.post, "/api/v1/credentials", auth: alice, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "provider=echo")), .unsupportedMediaType, "unsupported_media_type"),
                ("invalid utf-8", try await client.call(.post, "/api/v1/credentials", auth: alice, headers: [.contentType: "application/json"], body: invalidUTF8), .badRequest, "bad_request"),
                ("oversized", try await client.call(.post, "/api/v1/credentials", auth: alice, headers: [.contentType: "application/json"], body: ByteBuffer(repeating: UInt8(ascii: " "), count: 2 * 1024 * 1024)), .contentTooLarge, "payload_too_large"),
                ("huge headers", try await client.call(.post, "/api/v1/credentials", auth: alice, json: good, headers: [HTTPField.Name("X-Padding")!: String(repeating: "a", count: 40 * 1024)]), .requestHeaderFieldsTooLarge, "headers_too_large"),
                ("group with unknown field", try await client.call(.post, "/api/v1/groups", auth: alice, json: #"{"name":"g","extra":1}"#), .badRequest, "validation_failed"),
                ("no token", try await client.call(.get, "/api/v1/credentials"), .unauthorized, "unauthorized"),
                ("bad token", try await client.call(.get, "/api/v1/credentials", auth: "Bearer lku_nonsense"), .unauthorized, "unauthorized"),
                ("no route", try await client.call(.get, "/api/v1/nothing-here", auth: alice), .notFound, "not_found"),
            ]
            for (name, reply, status, code) in cases {
                #expect(reply.status == status, "\(name): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == code, "\(name): \(reply.text)")
                #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true, "\(name)")
            }
            #expect(try await client.call(.get, "/api/v1/credentials", auth: alice).list("credentials").isEmpty)
            #expect(try await client.call(.get, "/api/v1/groups", auth: alice).list("groups").isEmpty)
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }

    @Test func anotherUsersRecordsAnswer404AndCannotBeBound() async throws {
        let env = try await TestEnvironment()
        let alice = try await env.user("alice@example.com")
        let bob = try await env.user("bob@example.com")
        try await env.live { client in
            let credential = try #require(try await client.call(.post, "/api/v1/credentials", auth: alice, json: #"{"provider":"echo","name":"a","fields":{"api_key":"alice"}}"#)["id"] as? String)
            let group = try #require(try await client.call(.post, "/api/v1/groups", auth: alice, json: #"{"name":"g"}"#)["id"] as? String)
            let bobGroup = try #require(try await client.call(.post, "/api/v1/groups", auth: bob, json: #"{"name":"g"}"#)["id"] as? String)
            for (method, uri, json) in [
                (HTTPRequest.Method.get, "/api/v1/credentials/\(credential)", nil as String?),
                (.patch, "/api/v1/credentials/\(credential)", #"{"name":"mine"}"#),
                (.delete, "/api/v1/credentials/\(credential)", nil),
                (.get, "/api/v1/groups/\(group)", nil),
                (.delete, "/api/v1/groups/\(group)", nil),
                (.post, "/api/v1/groups/\(group)/keys", nil),
                (.get, "/api/v1/groups/\(group)/bindings", nil),
                (.put, "/api/v1/groups/\(group)/bindings/echo", #"{"credential_id":"\#(credential)"}"#),
            ] {
                let reply = try await client.call(method, uri, auth: bob, json: json)
                #expect(reply.status == .notFound, "\(method) \(uri): \(reply.text)")
            }
            let steal = try await client.call(.put, "/api/v1/groups/\(bobGroup)/bindings/echo", auth: bob, json: #"{"credential_id":"\#(credential)"}"#)
            #expect(steal.status == .badRequest)
            #expect(steal.errorField == "credential_id")
            #expect(try await client.call(.get, "/api/v1/groups/\(bobGroup)/bindings", auth: bob).list("bindings").isEmpty)
            #expect(try await client.call(.get, "/api/v1/credentials", auth: bob).list("credentials").isEmpty)
            #expect(try await client.call(.get, "/api/v1/credentials/\(credential)", auth: alice).status == .ok)
        }
    }

    @Test func onlyAdminsSetOAuthAppsAndTheSecretNeverComesBack() async throws {
        let env = try await TestEnvironment()
        let admin = try await env.user("admin@example.com", role: .admin)
        let member = try await env.user("member@example.com")
        let providers = env.directory.appendingPathComponent("providers")
        _ = providers
        try await env.live { client in
            let body = #"{"client_id":"cid","client_secret":"very-secret-value"}"#
            #expect(try await client.call(.put, "/api/v1/oauth-apps/echo", auth: member, json: body).status == .forbidden)
            let reply = try await client.call(.put, "/api/v1/oauth-apps/echo", auth: admin, json: body)
            // echo is an api_key provider, so an OAuth app makes no sense for it.
            #expect(reply.errorField == "provider")
            #expect(!reply.text.contains("very-secret-value"))
        }
    }

    @Test func bindingACredentialOfAnotherProviderIsRefused() async throws {
        let env = try await TestEnvironment()
        let alice = try await env.user("alice@example.com")
        try await env.live { client in
            let credential = try #require(try await client.call(.post, "/api/v1/credentials", auth: alice, json: #"{"provider":"echo","name":"a","fields":{"api_key":"k"}}"#)["id"] as? String)
            let group = try #require(try await client.call(.post, "/api/v1/groups", auth: alice, json: #"{"name":"g"}"#)["id"] as? String)
            let reply = try await client.call(.put, "/api/v1/groups/\(group)/bindings/echo-query", auth: alice, json: #"{"credential_id":"\#(credential)"}"#)
            #expect(reply.errorCode == "validation_failed")
            #expect(reply.errorField == "credential_id")
            #expect(try await client.call(.post, "/api/v1/groups", auth: alice, json: #"{"name":"g"}"#).status == .conflict)
        }
    }
}
