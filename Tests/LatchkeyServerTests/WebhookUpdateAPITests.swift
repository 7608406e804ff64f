import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import LatchkeyServer

/// `PATCH /api/v1/webhooks/{id}`: owners (admins, for all-users endpoints) turn endpoints off and on or change them;
/// nobody else learns the endpoint exists.
@Suite struct WebhookUpdateAPITests {
    static let hook = #"{"url":"http://127.0.0.1:9/hook","events":["credential.deleted"]}"#

    @Test func theOwnerTurnsAnEndpointOffAndOnAndItsSecretStays() async throws {
        let env = try await TestEnvironment(allowPrivate: true)
        let alice = try await env.user("alice@example.com")
        try await env.live { client in
            let created = try await client.call(.post, "/api/v1/webhooks", auth: alice, json: Self.hook)
            let id = try #require(created["id"] as? String)
            let off = try await client.call(.patch, "/api/v1/webhooks/\(id)", auth: alice, json: #"{"enabled":false}"#)
            #expect(off.status == .ok, "\(off.text)")
            #expect(off["enabled"] as? Bool == false && off["secret"] == nil)
            #expect(off["events"] as? [String] == ["credential.deleted"] && off["url"] as? String == "http://127.0.0.1:9/hook", "absent members stay")
            #expect(try await client.call(.get, "/api/v1/webhooks/\(id)", auth: alice)["enabled"] as? Bool == false)
            let changed = try await client.call(.patch, "/api/v1/webhooks/\(id)", auth: alice,
                                                json: #"{"enabled":true,"events":["credential.connected","credential.connected"],"url":"http://127.0.0.1:9/other"}"#)
            #expect(changed.status == .ok)
            #expect(changed["enabled"] as? Bool == true && changed["events"] as? [String] == ["credential.connected"] && changed["url"] as? String == "http://127.0.0.1:9/other")
        }
        let owner = try #require(try await env.runtime.store.user(email: "alice@example.com"))
        let stored = try #require(try await env.runtime.store.webhookEndpoints(ownerID: owner.id, includeAllUsers: false).first)
        #expect(stored.enabled && stored.url == "http://127.0.0.1:9/other")
    }

    @Test func anotherUsersEndpointAnswers404WhateverTheBody() async throws {
        let env = try await TestEnvironment(allowPrivate: true)
        let alice = try await env.user("alice@example.com")
        let bob = try await env.user("bob@example.com")
        let admin = try await env.user("root@example.com", role: .admin)
        try await env.live { client in
            let id = try #require(try await client.call(.post, "/api/v1/webhooks", auth: alice, json: Self.hook)["id"] as? String)
            let everyone = try #require(try await client.call(.post, "/api/v1/webhooks", auth: admin,
                                                              json: #"{"url":"http://127.0.0.1:9/all","events":["credential.deleted"],"all_users":true}"#)["id"] as? String)
            for (who, target, body) in [(bob, id, #"{"enabled":false}"#), (bob, id, #"{"enabled":"garbage","nope":1}"#), (admin, id, #"{"enabled":false}"#),
                                        (alice, everyone, #"{"enabled":false}"#), (bob, "whe_nothing", #"{"enabled":false}"#)] {
                let reply = try await client.call(.patch, "/api/v1/webhooks/\(target)", auth: who, json: body)
                #expect(reply.status == .notFound && reply.errorCode == "not_found", "\(reply.text)")
            }
            #expect(try await client.call(.patch, "/api/v1/webhooks/\(id)", json: #"{"enabled":false}"#).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/webhooks/\(id)", auth: alice)["enabled"] as? Bool == true, "nothing changed")
            let mine = try await client.call(.patch, "/api/v1/webhooks/\(everyone)", auth: admin, json: #"{"enabled":false}"#)
            #expect(mine.status == .ok && mine["enabled"] as? Bool == false, "an admin changes an endpoint for all users")
        }
    }

    @Test(arguments: [
        (#"{"enabled":"no"}"#, "enabled"),
        (#"{"enabled":1}"#, "enabled"),
        (#"{"secret":"whsec_mine"}"#, "secret"),
        (#"{"events":[]}"#, "events"),
        (#"{"events":["credential.exploded"]}"#, "events"),
        (#"{"events":[5]}"#, "events[0]"),
        (#"{"url":"ftp://127.0.0.1/x"}"#, "url"),
        (#"{"url":"http://u:p@127.0.0.1/x"}"#, "url"),
    ])
    func aBadChangeNamesTheFieldAndChangesNothing(_ body: String, _ field: String) async throws {
        let env = try await TestEnvironment(allowPrivate: true)
        let alice = try await env.user("alice@example.com")
        try await env.live { client in
            let id = try #require(try await client.call(.post, "/api/v1/webhooks", auth: alice, json: Self.hook)["id"] as? String)
            let before = try await client.call(.get, "/api/v1/webhooks/\(id)", auth: alice).text
            let reply = try await client.call(.patch, "/api/v1/webhooks/\(id)", auth: alice, json: body)
            #expect(reply.status == .badRequest && reply.errorCode == "validation_failed", "\(reply.text)")
            #expect(reply.errorField == field, "\(reply.text)")
            #expect(!reply.text.contains("whsec_mine"))
            #expect(try await client.call(.get, "/api/v1/webhooks/\(id)", auth: alice).text == before)
        }
    }
}
