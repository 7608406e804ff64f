import Foundation
import Logging

/// Keeps OAuth tokens fresh: refreshes a credential at most once at a time, in this process (callers share one
/// flight) and across processes (a lease in the store, and writes fenced by it). The lease names this refresher (a
/// `LeaseHolder`), so a process on the same host can take it over at once if this one is killed.
public final class Refresher: Sendable {
    let store: any Store
    let catalog: Catalog
    let sealer: Sealer
    let requester: TokenRequester
    let clients: OAuthClientSource
    let clock: any WallClock
    let audit: AuditLog
    let observer: (any RefreshObserver)?
    let logger: Logger
    /// One flight per credential for every path (agents' calls, passes, refresh-now), so they coalesce.
    let flights = SingleFlight<RefreshResult>()
    /// Tells whether another lease holder is gone, so its lease can be taken over before it runs out.
    let liveness: any LeaseLiveness
    /// The proxy's access cache, told whenever a credential's token is replaced or can no longer be used here.
    let cache: AccessCache?

    /// This refresher's lease owner name (a `LeaseHolder`).
    public let owner: String
    /// The policy.
    public let policy: RefreshPolicy
    /// How long a lease lasts. Token requests time out well within it, so a holder's request is over before anyone
    /// else may take the lease and spend the same refresh token. A holder on this host found gone (killed) loses
    /// its lease at once; one on another host keeps it this long.
    public static let leaseDuration: TimeInterval = 60
    /// How long a refresh in a pass may wait for its turn to send (`WaitingLimit`) after taking its lease. Its request
    /// (at most the token timeout, 20 s) must still be over before the lease runs out, or another process could take
    /// the lease and spend the same refresh token; one that waited longer gives the lease back unspent.
    public static let longestWaitForTurn: TimeInterval = 20
    /// How long an agent's call waits for another process's refresh before answering from what it has.
    public static let waitLimit: TimeInterval = 10
    /// Refreshes forced by a provider's 401: at most one per credential per 30 s in this process.
    let after401Refreshes = After401Throttle(interval: 30)

    /// Creates a refresher.
    public init(store: any Store, catalog: Catalog, sealer: Sealer, requester: TokenRequester, clock: any WallClock,
                observer: (any RefreshObserver)? = nil, logger: Logger = Logger(label: "latchkey.refresh"), policy: RefreshPolicy = RefreshPolicy(),
                clients: OAuthClientSource? = nil, leaseHolder: LeaseHolder = .thisProcess(), liveness: any LeaseLiveness = ProcessLiveness(),
                cache: AccessCache? = nil) {
        self.store = store
        self.catalog = catalog
        self.sealer = sealer
        self.requester = requester
        self.clients = clients ?? OAuthClientSource(store: store, sealer: sealer, clock: clock)
        self.clock = clock
        self.audit = AuditLog(store: store, clock: clock)
        self.observer = observer
        self.logger = logger
        self.policy = policy
        owner = leaseHolder.description
        self.liveness = liveness
        self.cache = cache
    }

    /// The credential with a token an agent can use now: refreshed first when due. With `after401Version`, the
    /// token of that version was refused upstream, so a refresh is forced unless a newer version already exists or
    /// a 401 already forced one within the last 30 s (then the credential comes back unchanged and the 401 goes to
    /// the agent). Throws `credentialNeedsReauth` or `refreshFailed`.
    public func usable(_ credential: Credential, links: SetupLinks, after401Version: Int? = nil) async throws -> Credential {
        guard let provider = catalog.provider(credential.provider), let settings = provider.oauth else { return credential }
        let now = clock.now
        if let after401Version, !after401Refreshes.admit(credentialID: credential.id, version: after401Version, now: now) { return credential }
        if after401Version == nil, !policy.isDue(credential, settings: settings, now: now), policy.isUsable(credential, now: now) {
            return credential
        }
        do {
            let latest = try await flights.run(credential.id) {
                try await self.refresh(credentialID: credential.id, provider: provider, forcedPast: after401Version, within: nil, maxWait: Self.waitLimit)
            }.credential
            // Another process may have replaced the token this call came with: what this process remembers goes too.
            if latest.version != credential.version { cache?.invalidate(credentialID: credential.id) }
            return latest
        } catch RefreshError.needsReauth {
            cache?.invalidate(credentialID: credential.id)
            throw LatchkeyError.credentialNeedsReauth(provider: provider.id, setupURL: links.reconnect(credentialID: credential.id))
        } catch RefreshError.unavailable {
            throw LatchkeyError.refreshFailed(provider: provider.id)
        }
    }

    /// Refreshes now regardless of due-ness (the API's "refresh now"); returns the outcome.
    @discardableResult
    public func refreshNow(credentialID: String) async throws -> RefreshOutcome {
        guard let credential = try await store.credential(id: credentialID), let provider = catalog.provider(credential.provider), provider.oauth != nil else {
            return .skipped
        }
        return try await refreshOutcome(credentialID: credentialID, provider: provider, forcedPast: credential.version, within: nil, maxWait: Self.waitLimit)
    }

    /// One attempt for a refresh pass: refreshes if due by `within` (or the provider's window). With `requests`, the
    /// token request waits for its turn there (the pass's limit on requests under way); the lease and the database
    /// writes do not.
    public func refreshIfDue(credentialID: String, provider: Provider, within: TimeInterval?, maxWait: TimeInterval = Refresher.waitLimit,
                             requests: WaitingLimit? = nil) async throws -> RefreshOutcome {
        try await refreshOutcome(credentialID: credentialID, provider: provider, forcedPast: nil, within: within, maxWait: maxWait, requests: requests)
    }

    private func refreshOutcome(credentialID: String, provider: Provider, forcedPast: Int?, within: TimeInterval?, maxWait: TimeInterval,
                                requests: WaitingLimit? = nil) async throws -> RefreshOutcome {
        do {
            // Through the same single flight as agents' calls: a pass and a call in one process never refresh twice.
            return try await flights.run(credentialID) {
                try await self.refresh(credentialID: credentialID, provider: provider, forcedPast: forcedPast, within: within, maxWait: maxWait, requests: requests)
            }.outcome
        } catch RefreshError.needsReauth {
            return .needsReauth
        } catch RefreshError.unavailable(let outcome) {
            return outcome
        }
    }

    enum RefreshError: Error {
        case needsReauth
        case unavailable(RefreshOutcome)
    }

    /// Waits for the lease, then refreshes under it. Returns the credential to use and what happened.
    private func refresh(credentialID: String, provider: Provider, forcedPast: Int?, within: TimeInterval?, maxWait: TimeInterval,
                         requests: WaitingLimit? = nil) async throws -> RefreshResult {
        guard let settings = provider.oauth else { throw RefreshError.unavailable(.skipped) }
        let deadline = clock.now.addingTimeInterval(maxWait)
        var waited = false
        while true {
            let now = clock.now
            // The lease comes first: taking it returns the row as of that moment, so no read is needed before it.
            if let leased = try await takeLease(credentialID, now: now) {
                let done: RefreshResult?
                do {
                    done = try settled(leased, settings: settings, forcedPast: forcedPast, within: within, now: now, waited: waited)
                } catch {
                    await giveBack(credentialID)
                    throw error
                }
                if let done {
                    await giveBack(credentialID)
                    return done
                }
                return try await refreshUnderLease(leased, provider: provider, settings: settings, requests: requests)
            }
            // Another process holds the lease: wait for its result rather than spend the refresh token twice.
            guard let current = try await store.credential(id: credentialID) else { throw RefreshError.needsReauth }
            if let done = try settled(current, settings: settings, forcedPast: forcedPast, within: within, now: now, waited: true) { return done }
            waited = true
            if now >= deadline {
                observer?.refreshed(provider: provider.id, outcome: .skipped)
                if policy.isUsable(current, now: now) { return RefreshResult(current, .skipped) }
                throw RefreshError.unavailable(.skipped)
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...150)))
        }
    }

    /// Takes the lease if it is free or expired, or if its holder is on this host and gone (a killed process): then
    /// at once, by a write that names the dead holder, so of several processes noticing it exactly one takes over.
    private func takeLease(_ credentialID: String, now: Date) async throws -> Credential? {
        let until = now.addingTimeInterval(Self.leaseDuration)
        if let leased = try await store.acquireRefreshLease(credentialID: credentialID, owner: owner, until: until, now: now) { return leased }
        guard let held = try await store.refreshLeaseOwner(credentialID: credentialID), held != owner,
              let holder = LeaseHolder(parsing: held), liveness.isGone(holder),
              let leased = try await store.takeOverRefreshLease(credentialID: credentialID, deadOwner: held, owner: owner, until: until, now: now)
        else { return nil }
        logger.notice("Took over the refresh lease of a process that is gone", metadata: ["credential": "\(credentialID)", "holder": "\(held)"])
        return leased
    }

    /// Gives the lease back, best effort: the caller's own answer or error is what counts, and a lease that cannot be
    /// given back still runs out. Run outside the caller's task, so a cancelled call still gives it back.
    private func giveBack(_ credentialID: String) async {
        let store = store, owner = owner
        do {
            try await Task { try await store.releaseRefreshLease(credentialID: credentialID, owner: owner) }.value
        } catch {
            logger.warning("Could not give a refresh lease back; it runs out by itself", metadata: ["credential": "\(credentialID)", "error": "\(error)"])
        }
    }

    /// The answer when no refresh is needed (or allowed) for `credential` now; nil when one should happen.
    private func settled(_ credential: Credential, settings: OAuthSettings, forcedPast: Int?, within: TimeInterval?, now: Date, waited: Bool) throws -> RefreshResult? {
        switch credential.status {
        case .needsReauth, .revoked: throw RefreshError.needsReauth
        case .active, .refreshFailing: break
        }
        if let forcedPast {
            if credential.version > forcedPast { return RefreshResult(credential, .joined) }
        } else if !policy.isDue(credential, settings: settings, now: now, within: within) {
            return RefreshResult(credential, waited ? .joined : .skipped)
        }
        if let next = credential.nextRefreshAt, next > now {
            if policy.isUsable(credential, now: now) { return RefreshResult(credential, .skipped) }
            throw RefreshError.unavailable(.failed)
        }
        return nil
    }

    /// Refreshes under the lease just taken. Every way out gives the lease back: the token write or the failure write
    /// does, and on any other error (a store or sealing failure) it is given back here, so the next call can try at
    /// once instead of answering `refresh_failed` until the lease runs out.
    private func refreshUnderLease(_ credential: Credential, provider: Provider, settings: OAuthSettings, requests: WaitingLimit?) async throws -> RefreshResult {
        do {
            return try await attemptUnderLease(credential, provider: provider, settings: settings, requests: requests)
        } catch let error as RefreshError {
            throw error  // thrown after the failure write released the lease, or after the lease was lost
        } catch {
            await giveBack(credential.id)
            throw error
        }
    }

    private func attemptUnderLease(_ credential: Credential, provider: Provider, settings: OAuthSettings, requests: WaitingLimit?) async throws -> RefreshResult {
        let now = clock.now
        do {
            let (provider, client) = try await clients.tokenClient(for: provider, fields: credential.publicFields)
            let request = { () async throws -> OAuthTokens in
                if provider.authMode == .oauth2ClientCredentials {
                    return try await self.requester.clientCredentials(provider: provider, client: client, fields: credential.publicFields)
                } else if case .exchange = settings.refreshGrant {
                    guard let sealed = credential.secrets["access_token"] else { throw TokenEndpointError.permanent(code: "no_access_token") }
                    let accessToken = try await self.sealer.open(sealed, recordID: credential.id, field: "access_token")
                    return try await self.requester.exchangeAccessToken(accessToken, provider: provider, client: client, fields: credential.publicFields)
                } else {
                    guard let sealed = credential.secrets["refresh_token"] else { throw TokenEndpointError.permanent(code: "no_refresh_token") }
                    let refreshToken = try await self.sealer.open(sealed, recordID: credential.id, field: "refresh_token")
                    return try await self.requester.refresh(refreshToken: refreshToken, provider: provider, client: client, fields: credential.publicFields)
                }
            }
            let tokens: OAuthTokens
            if let requests {
                tokens = try await requests.run {
                    guard clock.now.timeIntervalSince(now) <= Self.longestWaitForTurn else { throw TurnCameTooLate() }
                    return try await request()
                }
            } else {
                tokens = try await request()
            }
            let update = try await TokenUpdate.sealing(tokens, for: credential.id, settings: settings, issuedAt: now, with: sealer)
            let stored = try await store.finishRefresh(update, owner: owner)
            // Whatever happened, the version this process may remember is no longer the newest.
            cache?.invalidate(credentialID: credential.id)
            guard let fresh = stored else {
                // The lease was lost (taken over after expiry, or a reconnect broke it): the newer state wins.
                logger.warning("Refresh result discarded: lease lost", metadata: ["credential": "\(credential.id)"])
                guard let latest = try await store.credential(id: credential.id) else { throw RefreshError.needsReauth }
                return RefreshResult(latest, .joined)
            }
            observer?.refreshed(provider: provider.id, outcome: .refreshed)
            if credential.status == .refreshFailing {
                try await audit.record(ownerID: credential.ownerID, actor: "system", action: "credential.recovered", targetType: "credential",
                                       targetID: credential.id, detail: ["provider": provider.id])
            }
            return RefreshResult(fresh, .refreshed)
        } catch let error as TokenEndpointError {
            return try await recordFailure(error, credential: credential, provider: provider, now: now)
        } catch is TurnCameTooLate {
            await giveBack(credential.id)
            logger.warning("Refresh skipped: its turn to send came too late in its lease", metadata: ["credential": "\(credential.id)"])
            throw RefreshError.unavailable(.skipped)
        }
    }

    /// A pass's refresh whose turn to send came more than `longestWaitForTurn` after it took its lease.
    private struct TurnCameTooLate: Error {}

    private func recordFailure(_ error: TokenEndpointError, credential: Credential, provider: Provider, now: Date) async throws -> RefreshResult {
        switch error {
        case .permanent(let code):
            _ = try await store.failRefresh(credentialID: credential.id, owner: owner, status: .needsReauth, reason: code, failures: credential.refreshFailures + 1, nextAttempt: nil)
            cache?.invalidate(credentialID: credential.id)
            try await audit.record(ownerID: credential.ownerID, actor: "system", action: "credential.needs_reauth", targetType: "credential",
                                   targetID: credential.id, detail: ["provider": provider.id, "reason": code])
            logger.notice("Credential needs new consent", metadata: ["credential": "\(credential.id)", "provider": "\(provider.id)", "reason": "\(code)"])
            observer?.refreshed(provider: provider.id, outcome: .needsReauth)
            throw RefreshError.needsReauth
        case .transient(let reason):
            let failures = credential.refreshFailures + 1
            let status: CredentialStatus = failures >= policy.failuresBeforeFailing ? .refreshFailing : credential.status
            _ = try await store.failRefresh(credentialID: credential.id, owner: owner, status: status, reason: reason, failures: failures,
                                            nextAttempt: now.addingTimeInterval(policy.backoff(afterFailures: failures)))
            if status == .refreshFailing && credential.status != .refreshFailing {
                try await audit.record(ownerID: credential.ownerID, actor: "system", action: "credential.refresh_failing", targetType: "credential",
                                       targetID: credential.id, detail: ["provider": provider.id, "reason": reason])
            }
            logger.warning("Refresh failed; will retry", metadata: ["credential": "\(credential.id)", "provider": "\(provider.id)", "reason": "\(reason)", "failures": "\(failures)"])
            observer?.refreshed(provider: provider.id, outcome: .failed)
            if policy.isUsable(credential, now: now) { return RefreshResult(credential, .failed) }
            throw RefreshError.unavailable(.failed)
        }
    }
}
