/// `POST /api/v1/approvals/{id}/approve`: `{"for_seconds"?}` (the body itself is optional).
struct ApproveInput: Decodable, Sendable {
    let forSeconds: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case forSeconds = "for_seconds"
    }
}
