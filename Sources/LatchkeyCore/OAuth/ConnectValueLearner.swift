import Foundation

/// Learns a provider's connect values right after the code exchange: from the callback's query, from the token
/// response, or from a GET with the new access token (one per distinct URL and headers: DocuSign's account id and
/// base URI share one userinfo answer). Every declared value must be learnt and match its pattern; otherwise the
/// connect fails and nothing is stored.
public struct ConnectValueLearner: Sendable {
    let http: any TokenHTTPClient

    /// Creates a learner sending its follow-up requests over `http` (the token endpoints' client: bounded body, timeout).
    public init(http: any TokenHTTPClient) { self.http = http }

    /// The learnt values by name. `callbackQuery` holds the callback's query parameters, `fields` the credential's
    /// non-secret fields, `publicAddressOnly` whether every follow-up must go to a public address (as the token
    /// request's does).
    public func learn(_ values: [ConnectValue], tokens: OAuthTokens, callbackQuery: [String: String], fields: [String: String],
                      publicAddressOnly: Bool) async throws(OAuthFlowError) -> [String: String] {
        var learnt: [String: String] = [:]
        var answers: [String: Any] = [:]
        for value in values {
            let text: String?
            switch value.source {
            case .callbackQuery(let param):
                text = callbackQuery[param]
                guard text != nil else { throw .connectValueFailed(name: value.name, reason: "the callback carried no '\(param)' parameter") }
            case .tokenResponse:
                // The parser kept it only when it matched the pattern.
                text = tokens.fields[value.name]
                guard text != nil else { throw .connectValueFailed(name: value.name, reason: "the token response carried no acceptable value") }
            case .request(let url, let headers, let path):
                let request = try build(value.name, url: url, headers: headers, accessToken: tokens.accessToken, fields: fields)
                let key = ([request.url] + request.headers.map { $0.0 + ":" + $0.1 }).joined(separator: "\n")
                let document: Any
                if let known = answers[key] { document = known } else {
                    document = try await fetch(value.name, request, publicAddressOnly: publicAddressOnly || URLTemplateHost.isFilledFromValues(url))
                    answers[key] = document
                }
                guard let found = path.text(in: document) else { throw .connectValueFailed(name: value.name, reason: "the provider's answer has nothing at '\(path)'") }
                text = found
            }
            guard let text, value.accepts(text) else { throw .connectValueFailed(name: value.name, reason: "the learnt value does not have the expected format") }
            learnt[value.name] = text
        }
        return learnt
    }

    /// The follow-up request for one value, rendered: its URL and headers (with `Accept: application/json` unless set).
    private func build(_ name: String, url template: String, headers: [ConnectRequestHeader], accessToken: String,
                       fields: [String: String]) throws(OAuthFlowError) -> (url: String, headers: [(String, String)]) {
        var sent: [(String, String)] = []
        let url: String
        do {
            url = try TokenRequester.render(template, fields)
            var values = fields
            values["access_token"] = accessToken
            for header in headers { sent.append((header.name, try header.value.render(values))) }
        } catch {
            throw .connectValueFailed(name: name, reason: "the request for it could not be built from this credential")
        }
        if !sent.contains(where: { $0.0.lowercased() == "accept" }) { sent.append(("Accept", "application/json")) }
        return (url, sent)
    }

    /// Sends one follow-up GET and decodes its JSON answer. The client bounds the body (1 MiB) and the time.
    private func fetch(_ name: String, _ request: (url: String, headers: [(String, String)]), publicAddressOnly: Bool) async throws(OAuthFlowError) -> Any {
        let response: TokenHTTPResponse
        do {
            response = try await http.send(method: "GET", url: request.url, body: nil, headers: request.headers, publicAddressOnly: publicAddressOnly)
        } catch LatchkeyError.upstreamForbidden {
            throw .connectValueFailed(name: name, reason: "the provider's address is not public")
        } catch {
            throw .connectValueFailed(name: name, reason: "the provider could not be reached in time")
        }
        guard (200..<300).contains(response.status) else { throw .connectValueFailed(name: name, reason: "the provider answered HTTP \(response.status)") }
        guard let document = try? JSONSerialization.jsonObject(with: response.body, options: [.fragmentsAllowed]) else {
            throw .connectValueFailed(name: name, reason: "the provider's answer is not JSON")
        }
        return document
    }
}
