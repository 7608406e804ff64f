import Foundation

extension MemoryStore {
    public func createOAuthState(_ state: OAuthState, verifier: SealedValue?) async throws {
        // Pruning goes with the insert (one transaction in SQL): the insert is checked against what survives the
        // pruning, and a refused insert prunes nothing.
        let expired = tables.oauthStates.values.filter { $0.expiresAt < state.createdAt }.map(\.id)
        let idSurvives = !expired.contains(state.id)
        let idTaken = tables.oauthStates[state.id] != nil && idSurvives
        let verifierTaken = verifier != nil && sealedValuesExist(state.verifierRecordID, fields: ["code_verifier"]) && idSurvives
        guard !idTaken, !verifierTaken else { throw StoreError.conflict("oauth state") }
        guard tables.users[state.userID] != nil else { throw Self.missing("user") }
        for id in expired {
            if let old = tables.oauthStates.removeValue(forKey: id) { deleteSealedValues(of: old.verifierRecordID) }
        }
        tables.oauthStates[state.id] = state
        if let verifier { putSealedValue(verifier, recordID: state.verifierRecordID, field: "code_verifier") }
    }

    public func consumeOAuthState(id: String, now: Date) async throws -> (OAuthState, SealedValue?)? {
        // Removed before anything else: a state works once, and an expired one is gone all the same.
        guard let state = tables.oauthStates.removeValue(forKey: id) else { return nil }
        let verifier = secrets(of: state.verifierRecordID)["code_verifier"]
        deleteSealedValues(of: state.verifierRecordID)
        guard state.expiresAt > now else { return nil }
        return (state, verifier)
    }
}
