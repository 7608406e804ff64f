import Hummingbird
import LatchkeyCore

/// `/api/v1/approvals`: requests that approval rules raised, for the groups' owners (admins: all) to decide.
struct ApprovalsController {
    let approvals: ApprovalService
    let links: SetupLinks
    let clock: any WallClock
    /// The largest request body read.
    let limit: Int

    func register(on group: RouterGroup<AppRequestContext>) {
        let approvals = approvals, links = links, clock = clock, limit = limit
        group.get("approvals") { request, context in
            let user = try context.requireUser()
            let statusText = request.uri.queryParameters.get("status") ?? "pending"
            let status: Approval.Status?
            if statusText == "all" { status = nil } else {
                guard let parsed = Approval.Status(rawValue: statusText) else {
                    throw LatchkeyError.validationFailed(field: "status", message: "'status' must be pending, approved, denied or all")
                }
                status = parsed
            }
            let now = clock.now
            var found = try await approvals.list(user: user, status: status)
            // A pending request that lapsed is not waiting for anyone any more.
            if status == .pending { found = found.filter { $0.expiresAt > now } }
            return JSONOutput.response(["approvals": found.map { ApprovalDTO($0, now: now, links: links) }])
        }
        group.get("approvals/:id") { _, context in
            let user = try context.requireUser()
            return JSONOutput.response(ApprovalDTO(try await approvals.get(user: user, id: try context.parameters.require("id")), now: clock.now, links: links))
        }
        group.post("approvals/:id/approve") { request, context in
            let user = try context.requireUser()
            let id = try context.parameters.require("id")
            _ = try await approvals.get(user: user, id: id)
            let forSeconds: Int?
            if (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0 || request.headers[.transferEncoding] != nil {
                forSeconds = try await JSONBody.decode(ApproveInput.self, from: request, limit: limit).forSeconds
            } else {
                forSeconds = nil
            }
            let decided = try await approvals.decide(user: user, id: id, approve: true, forSeconds: forSeconds)
            return JSONOutput.response(ApprovalDTO(decided, now: clock.now, links: links))
        }
        group.post("approvals/:id/deny") { request, context in
            let user = try context.requireUser()
            let id = try context.parameters.require("id")
            _ = try await approvals.get(user: user, id: id)
            if (request.headers[.contentLength].flatMap(Int.init) ?? 0) > 0 || request.headers[.transferEncoding] != nil {
                _ = try await JSONBody.decode(EmptyInput.self, from: request, limit: limit)
            }
            let decided = try await approvals.decide(user: user, id: id, approve: false, forSeconds: nil)
            return JSONOutput.response(ApprovalDTO(decided, now: clock.now, links: links))
        }
        group.allowOnly("approvals", [.get])
        group.allowOnly("approvals/:id", [.get])
        group.allowOnly("approvals/:id/approve", [.post])
        group.allowOnly("approvals/:id/deny", [.post])
    }
}
