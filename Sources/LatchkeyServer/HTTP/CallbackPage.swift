import Foundation
import Hummingbird
import LatchkeyCore

/// The page a browser lands on after consent: a clear message, never a secret, never a raw provider string unescaped.
enum CallbackPage {
    static func failure(_ error: OAuthFlowError) -> (HTTPResponse.Status, String, String) {
        switch error {
        case .missingState:
            (.badRequest, "This link is incomplete", "The sign-in response carried no state. Start connecting again from Latchkey.")
        case .unknownState:
            (.badRequest, "This sign-in link has expired or was already used", "For your safety each connection link works once, for ten minutes. Nothing was saved. Start connecting again from Latchkey.")
        case .wrongBrowser:
            (.forbidden, "This sign-in was started elsewhere", "The connection was started in another browser session. Nothing was saved. Start again from this browser.")
        case .wrongUser:
            (.forbidden, "This connection belongs to another account", "The connection was started by a different Latchkey user than the one signed in here. Nothing was saved. Only the person who started it can finish it.")
        case .denied(let reason):
            (.ok, "Access was not granted", "The provider reported “\(reason)”. Nothing was saved. You can try again whenever you like.")
        case .noOAuthApp(let provider):
            (.badRequest, "\(provider) is not set up", "No OAuth app is configured for \(provider). Ask an admin to add it in Settings. Nothing was saved.")
        case .exchangeFailed(let reason):
            (.badGateway, "The provider refused the connection", "Exchanging the authorization code failed (\(reason)). Nothing was saved. Try connecting again.")
        case .connectValueFailed(let name, let reason):
            (.badGateway, "The provider did not say what Latchkey needs", "Connecting needs the account's '\(name)', and learning it failed: \(reason). Nothing was saved. Try connecting again.")
        }
    }

    static func response(_ status: HTTPResponse.Status, title: String, message: String, success: Bool = false) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLEscaping.escape(title)) · Latchkey</title></head>
            <body>
            <h1 id="result" data-success="\(success)">\(HTMLEscaping.escape(title))</h1><p>\(HTMLEscaping.escape(message))</p>
            <p><a href="/credentials">Back to your credentials</a></p></body></html>
            """
        return PageRenderer.html(html, status: status)
    }

}
