import Foundation

/// Completes a credential connected before its provider declared a connect value (Xero's tenant id, Atlassian's
/// cloud id, DocuSign's account and base URI): on its first proxied call the missing `from: request` values are
/// learnt with the credential's current access token by the connect's own learner and stored with it, so nothing
/// connected before an upgrade needs a reconnect for a value the provider can still tell.
///
/// One learning per credential at a time in this process (concurrent calls wait for it); across processes a second
/// learning is harmless, the last write storing the same values. A value that cannot be learnt after the connect
/// (`from: callback_query`, `from: token_response`) or a learning the provider refuses answers the reconnect link;
/// a learning that fails for a reason that may pass (no answer in time, a 5xx) answers `upstream_unreachable` and
/// is tried again on a later call. The credential's status is never changed here.
public final class ConnectValueBackfill: Sendable {
    let store: any Store
    let http: any TokenHTTPClient
    let clock: any WallClock
    let links: SetupLinks
    /// Emptied after the values are stored: the access cache holds the credential without them.
    let cache: AccessCache
    private let flights = SingleFlight<Credential>()

    /// Creates the backfill; `http` is the client of the token endpoints (the connect learner's).
    public init(store: any Store, http: any TokenHTTPClient, clock: any WallClock, links: SetupLinks, cache: AccessCache) {
        self.store = store
        self.http = http
        self.clock = clock
        self.links = links
        self.cache = cache
    }

    /// The provider's declared connect values that `values` (a credential's opened values) lacks.
    public static func missing(_ provider: Provider, values: [String: String]) -> [ConnectValue] {
        guard let declared = provider.oauth?.connectValues, !declared.isEmpty else { return [] }
        return declared.filter { values[$0.name] == nil }
    }

    /// `credential` itself when `values` (its opened values, the access token among them) lacks no connect value;
    /// otherwise the credential as stored once the missing values are learnt.
    public func completed(_ credential: Credential, provider: Provider, values: [String: String]) async throws -> Credential {
        let missing = Self.missing(provider, values: values)
        guard !missing.isEmpty else { return credential }
        let reconnect = LatchkeyError.credentialNeedsReauth(provider: provider.id, setupURL: links.reconnect(credentialID: credential.id))
        guard let settings = provider.oauth, let accessToken = values["access_token"], missing.allSatisfy(\.isLearntLater) else { throw reconnect }
        return try await flights.run(credential.id) {
            try await self.learn(missing, for: credential.id, accessToken: accessToken,
                                 publicAddressOnly: settings.discovered || URLTemplateHost.isFilledFromValues(settings.tokenURL), reconnect: reconnect)
        }
    }

    private func learn(_ missing: [ConnectValue], for credentialID: String, accessToken: String, publicAddressOnly: Bool,
                       reconnect: LatchkeyError) async throws -> Credential {
        // An earlier flight, or another process, may have stored them since this call read the credential.
        guard let current = try await store.credential(id: credentialID) else { throw LatchkeyError.notFound("credential") }
        let stillMissing = missing.filter { current.publicFields[$0.name] == nil }
        guard !stillMissing.isEmpty else { return current }
        let watch = TransientFailureWatch(http)
        let learnt: [String: String]
        do {
            learnt = try await ConnectValueLearner(http: watch).learn(stillMissing, tokens: OAuthTokens(accessToken: accessToken), callbackQuery: [:],
                                                                      fields: current.publicFields, publicAddressOnly: publicAddressOnly)
        } catch {
            throw watch.sawTransientFailure ? LatchkeyError.upstreamUnreachable(current.provider) : reconnect
        }
        return try await stored(learnt, credentialID: credentialID)
    }

    /// Writes the learnt values into the credential's public fields (as a connect stores them), retrying when a
    /// concurrent writer (a refresh, another process's learning) changed the credential first.
    private func stored(_ learnt: [String: String], credentialID: String) async throws -> Credential {
        for _ in 0..<5 {
            guard var credential = try await store.credential(id: credentialID) else { throw LatchkeyError.notFound("credential") }
            // Another process learnt them meanwhile: its values stand.
            if learnt.keys.allSatisfy({ credential.publicFields[$0] != nil }) { return credential }
            credential.publicFields.merge(learnt) { $1 }
            credential.version += 1
            credential.updatedAt = clock.now
            if try await store.updateCredential(credential) {
                cache.invalidateAll()
                try await AuditLog(store: store, clock: clock).record(
                    ownerID: credential.ownerID, actor: "system", action: "credential.connect_values_learnt", targetType: "credential",
                    targetID: credentialID, detail: ["provider": credential.provider, "values": learnt.keys.sorted().joined(separator: ",")])
                return credential
            }
        }
        throw LatchkeyError.conflict("the credential kept changing while its connect values were being stored; try again")
    }
}
