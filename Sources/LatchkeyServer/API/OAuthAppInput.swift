/// `PUT /api/v1/oauth-apps/{provider}`: `{"client_id", "client_secret"?}`. Its descriptions and mirror leave the
/// secret out.
struct OAuthAppInput: Decodable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let clientID: String
    let clientSecret: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case clientID = "client_id", clientSecret = "client_secret"
    }

    var description: String { "OAuthAppInput(client_id: \(clientID), client_secret: \(clientSecret == nil ? "none" : "hidden"))" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["clientID": clientID]) }
}
