import Foundation

/// The part of a call's injection that depends on the credential alone: its base URL, the query parameters and
/// headers it injects, and every value injected (with the scrubber that looks for them). Worked out once per
/// resolved credential version (`ResolvedCredential.injection`) instead of on every call; `RequestInjector.build`
/// adds the call's own path and query.
///
/// A credential that cannot be injected (a value missing, a control character, an unusable base URL) keeps the
/// error, thrown at the point of a call where `RequestInjector` always threw it.
public struct CredentialInjection: Sendable {
    /// The base URL, or why there is none.
    let base: Result<BaseURL, LatchkeyError>
    /// The rendered injection, or why it cannot be rendered.
    let rendered: Result<Rendered, LatchkeyError>
    /// Names of the injected query parameters: an agent parameter of the same name is dropped.
    let injectedQueryNames: Set<String>

    struct Rendered: Sendable {
        /// `name=value`, both percent-encoded, in the provider's order.
        var queryParameters: [String] = []
        var headers: [(name: String, value: String)] = []
        /// Every value injection puts into a request, in each form it is sent in.
        var injectedValues: [String] = []
        /// Finds `injectedValues` in a response.
        var scrubber = SecretScrubber.empty
    }

    public init(provider: Provider, values: [String: String]) {
        base = Result { () throws(LatchkeyError) in try RequestInjector.baseURL(of: provider, values: values) }
        rendered = Result { () throws(LatchkeyError) in try Self.render(provider.injection, values) }
        injectedQueryNames = Set(provider.injection.query.map(\.name))
    }

    /// The scrubber for a call that injected these values and, besides, `also` (values of an earlier attempt).
    public func scrubber(alsoScrubbing also: [String]) -> SecretScrubber {
        guard case .success(let rendered) = rendered else { return SecretScrubber(values: also) }
        return also.isEmpty ? rendered.scrubber : SecretScrubber(values: rendered.injectedValues + also)
    }

    private static func render(_ injection: Injection, _ values: [String: String]) throws(LatchkeyError) -> Rendered {
        var out = Rendered()
        for (name, template) in injection.query {
            let value = try RequestInjector.render(template, values)
            let encoded = RequestInjector.encodeQueryComponent(value)
            out.queryParameters.append(RequestInjector.encodeQueryComponent(name) + "=" + encoded)
            if !template.variableNames.isEmpty {
                out.injectedValues += [value, encoded]
                    + RequestInjector.bareValues(of: template, values).flatMap { [$0, RequestInjector.encodeQueryComponent($0)] }
            }
        }
        for (name, template) in injection.headers {
            let value = try RequestInjector.render(template, values)
            out.headers.append((name, value))
            // A fixed value (no variables) is no secret: scrubbing it would mangle responses that mention it.
            if !template.variableNames.isEmpty { out.injectedValues += [value] + RequestInjector.bareValues(of: template, values) }
        }
        if let basic = injection.basic {
            let username = try RequestInjector.render(basic.username, values)
            let password = try RequestInjector.render(basic.password, values)
            let encoded = Data((username + ":" + password).utf8).base64EncodedString()
            out.headers.append(("Authorization", "Basic " + encoded))
            out.injectedValues += [username, password, username + ":" + password, encoded]
        }
        out.scrubber = SecretScrubber(values: out.injectedValues)
        return out
    }
}
