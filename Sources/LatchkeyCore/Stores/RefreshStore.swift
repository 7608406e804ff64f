import Foundation

/// What the refresh engine needs: candidates, a lease per credential, and writes fenced by that lease.
///
/// The lease is a row-level claim (owner, expiry). Acquiring it is one atomic conditional write; every token write
/// and failure write is conditional on still holding it. A process whose lease ran out and was taken over cannot
/// write, so it can never overwrite a newer token; and because the token request's timeout is far shorter than the
/// lease, nobody else can spend the same refresh token while a holder's request may still be in flight. The one
/// exception is a holder known to be gone (a crashed process on the same host, see `LeaseLiveness`): its lease may be
/// taken over at once, by a write that names it.
public protocol RefreshStore: Sendable {
    /// OAuth credentials that may need a refresh, without their secrets: at most `limit` of them in id order, those
    /// after the id `after` (nil: from the first). A pass reads them a page at a time, so its memory does not grow
    /// with their number.
    func refreshCandidates(after: String?, limit: Int) async throws -> [RefreshCandidate]
    /// Claims the credential for `owner` until `until` if nobody (`owner` included) holds an unexpired lease at
    /// `now`; returns the credential as read inside the same transaction, or nil if the lease is held.
    func acquireRefreshLease(credentialID: String, owner: String, until: Date, now: Date) async throws -> Credential?
    /// The name the lease on the credential is held under (expired or not; see `LeaseHolder`), or nil when nobody
    /// holds it or there is no such credential.
    func refreshLeaseOwner(credentialID: String) async throws -> String?
    /// Takes the lease over from `deadOwner`, a holder the caller found gone: claims it for `owner` until `until` if
    /// `deadOwner` still holds it, or nobody holds an unexpired lease at `now`. One atomic conditional write, so of
    /// several processes taking over from one dead holder exactly one wins. Returns the credential as read inside the
    /// same transaction, or nil if the lease is held by anyone else.
    func takeOverRefreshLease(credentialID: String, deadOwner: String, owner: String, until: Date, now: Date) async throws -> Credential?
    /// Gives the lease back without changing anything else.
    func releaseRefreshLease(credentialID: String, owner: String) async throws
    /// Writes new tokens, resets failures and status to active, bumps the version and releases the lease, all only
    /// if `owner` still holds the lease. Returns the updated credential, or nil (nothing written) otherwise.
    func finishRefresh(_ update: TokenUpdate, owner: String) async throws -> Credential?
    /// Records a failed attempt (status, reason, failure count, back-off) and releases the lease, only if `owner`
    /// still holds it.
    func failRefresh(credentialID: String, owner: String, status: CredentialStatus, reason: String, failures: Int, nextAttempt: Date?) async throws -> Bool
    /// Replaces the tokens after new consent: active again, failures cleared, any lease broken (the user wins).
    func replaceTokens(_ update: TokenUpdate, publicFields: [String: String]) async throws -> Bool
}
