/// Where a connect-time value comes from.
public enum ConnectValueSource: Sendable, Equatable {
    /// A query parameter of the OAuth callback (QuickBooks `realmId`).
    case callbackQuery(param: String)
    /// A field of the token response (Salesforce `instance_url`); a refresh response that carries it again updates it.
    case tokenResponse(path: ValuePath)
    /// One GET with the new access token right after the code exchange (Mailchimp's metadata endpoint). `url` and the
    /// header values are templates over the access token and the credential's non-secret fields.
    case request(url: String, headers: [ConnectRequestHeader], path: ValuePath)

    /// The key `from` names this source with in a provider file.
    public var keyword: String {
        switch self {
        case .callbackQuery: "callback_query"
        case .tokenResponse: "token_response"
        case .request: "request"
        }
    }
}
