import Foundation
import LatchkeyCore
import Testing

@Suite struct WebhookEventTests {
    func event(_ action: String, type: String = "credential", target: String = "crd_1", detail: [String: String]) -> WebhookEvent? {
        WebhookEvent(audit: AuditEvent(id: "evt_1", ownerID: "usr_1", actor: "system", action: action, targetType: type, targetID: target, detail: detail,
                                       createdAt: Date(timeIntervalSince1970: 1_800_000_000)))
    }

    func data(_ event: WebhookEvent?) throws -> [String: String] {
        let event = try #require(event)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(event.payload.utf8)) as? [String: Any])
        #expect(body["timestamp"] as? String == "2027-01-15T08:00:00.000Z")
        return try #require(body["data"] as? [String: String])
    }

    @Test func auditActionsThatAreNoEventMakeNoWebhook() {
        #expect(event("credential.updated", detail: [:]) == nil)
        #expect(event("user.signed_in", type: "user", target: "usr_1", detail: [:]) == nil)
    }

    @Test func credentialEventsCarryIdsProviderAndStatusOnly() throws {
        let failing = event("credential.refresh_failing", detail: ["provider": "github", "reason": "HTTP 503 from the token endpoint", "name": "work"])
        #expect(failing?.type == .credentialRefreshFailing)
        #expect(failing?.orderingKey == "crd_1")
        #expect(try data(failing) == ["credential_id": "crd_1", "provider": "github", "status": "refresh_failing", "user_id": "usr_1"])
        #expect(event("credential.revoked_at_provider", detail: ["provider": "github"])?.type == .credentialRevoked)
        #expect(event("credential.imported", detail: [:])?.type == .credentialConnected)
    }

    @Test func groupEventsAreOrderedByGroupAndNameTheirIds() throws {
        let approval = event("approval.requested", type: "group", target: "grp_1",
                             detail: ["group_id": "grp_1", "approval_id": "apr_1", "provider": "github", "method": "POST", "path": "/repos/x?token=abc", "rule": "r"])
        #expect(approval?.orderingKey == "grp_1")
        #expect(try data(approval) == ["approval_id": "apr_1", "group_id": "grp_1", "provider": "github", "status": "pending", "user_id": "usr_1"])
        let budget = event("budget.exceeded", type: "group", target: "grp_1", detail: ["scope": "openai", "per": "hour", "window_start": "x"])
        #expect(try data(budget) == ["group_id": "grp_1", "per": "hour", "provider": "openai", "status": "exceeded", "user_id": "usr_1"])
    }
}
