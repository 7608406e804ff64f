import LatchkeyCore
@testable import LatchkeyServer
import Testing

@Suite struct APIErrorTests {
    @Test func anUnreachableDatabaseIsARetryable503NotAnInternalError() {
        let error = APIError.from(StoreError.unavailable("PostgreSQL did not answer within 10 seconds"))
        #expect(error.status.code == 503)
        #expect(error.code == "database_unavailable")
        #expect(!error.message.contains("PostgreSQL"), "the agent learns that it may retry, not how the deployment is built")
        #expect(error.isServerFault, "operators hear about it in the log")
    }

    @Test func callersMistakesAreNotServerFaults() {
        #expect(!APIError.from(LatchkeyError.unauthorized).isServerFault)
        #expect(!APIError.from(LatchkeyError.credentialMissing(provider: "x", setupURL: "u")).isServerFault)
        #expect(APIError.from(CancellationError()).isServerFault, "an unexpected error is a 500 and is logged")
    }
}
