import Foundation

/// How failed sign-ins slow down the next attempt.
///
/// Failures count per account *and* client address together, with a delay that grows with each one, so a stranger
/// guessing at someone's account slows only their own attempts: the account's owner, coming from another address,
/// signs in as usual. One address is also capped over all accounts, so it cannot spray guesses at many of them.
/// Addresses come from the connection, or from `X-Forwarded-For` only when a trusted proxy sent it.
public enum SignInThrottle {
    /// The window over which failures count.
    public static let window: TimeInterval = 15 * 60
    /// Failures for one account from one address before each next attempt waits.
    public static let freeAttempts = 5
    /// The first wait, after `freeAttempts` failures; each further failure doubles it.
    public static let firstDelay: TimeInterval = 30
    /// The longest wait between attempts for one account from one address.
    public static let longestDelay: TimeInterval = 15 * 60
    /// Failures from one address, over all accounts, within the window before it must wait for the window.
    public static let maxFailuresPerClient = 20

    /// The wait after the `failures`-th failure of an account from an address: none for the first few, then
    /// `firstDelay` doubling up to `longestDelay`.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeAttempts else { return 0 }
        return min(longestDelay, firstDelay * pow(2, Double(min(failures - freeAttempts, 16))))
    }

    /// The throttling key of an account at an address: the email only as a hash, so a 10 KiB email typed into the
    /// form stores 64 characters, not 10 KiB per attempt.
    static func pairKey(email: String, client: String) -> String { "pair:\(client) \(PKCE.stateID(email))" }
    /// The throttling key of an address.
    static func clientKey(_ client: String) -> String { "client:\(client)" }

    /// Whether a failure is written to the audit log, so a flood leaves a handful of rows per address and window,
    /// not one per try: against an account, its 1st, 2nd, 4th, 8th… failure from the address (its owner sees them);
    /// against an email that is no account, the address's 1st, 2nd, 4th… failure over all such emails.
    static func audited(accountExists: Bool, pairFailures: Int, clientFailures: Int) -> Bool {
        let count = accountExists ? pairFailures : clientFailures
        return count > 0 && count & (count - 1) == 0
    }
}
