import HTTPTypes
import Hummingbird
import NIOCore

/// The sign-in page: what `/ui` shows without credentials, and `/ui/login` always.
///
/// A plain HTML form that posts the token to `/ui/login`; no script at all, so it works under the
/// strict CSP (`form-action 'self'` allows the post) and with scripts off. The only text that
/// varies is one of the fixed `Notice` strings: no request data is ever written into the page.
enum AuthSignInPage {
    enum Notice: Sendable {
        /// `/ui` without credentials.
        case required
        /// A token typed into the form was wrong.
        case wrongToken
        /// `/ui/login?code=` with a code that is unknown or was already used.
        case codeUsed
        /// The user signed out.
        case signedOut
        /// `/ui/login` opened directly.
        case none

        var text: String? {
            switch self {
            case .required: "This server needs a token. Open the login URL printed by cracktrader serve, or paste the token below."
            case .wrongToken: "That token is not right. Check it and try again."
            case .codeUsed:
                "This login link was already used or is not valid (each link works once, and links end when the server restarts). "
                    + "Paste the token below, or restart cracktrader serve for a new link."
            case .signedOut: "You are signed out."
            case .none: nil
            }
        }
    }

    static func html(_ notice: Notice) -> String {
        let message = notice.text.map { #"<p class="signin-notice" role="alert">\#($0)</p>"# } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <meta name="color-scheme" content="light dark">
              <meta name="robots" content="noindex">
              <title>Sign in · Cracktrader</title>
              <link rel="icon" href="/ui/icon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/ui/style.css">
            </head>
            <body class="signin-page">
              <main class="signin panel" id="signin">
                <h1><img src="/ui/icon.svg" alt="" width="22" height="22"> Cracktrader</h1>
                <h2>Sign in</h2>
                \(message)
                <p>Open the one-time login URL that <code>cracktrader serve</code> printed when it started, or paste the server's token (from <code>--auth-token</code>, <code>--auth-token-file</code> or <code>CRACKTRADER_AUTH_TOKEN</code>).</p>
                <form method="post" action="/ui/login" class="signin-form">
                  <label for="signin-token">Token</label>
                  <input id="signin-token" name="token" type="password" autocomplete="current-password" required spellcheck="false">
                  <button type="submit" class="button-primary">Sign in</button>
                </form>
              </main>
            </body>
            </html>

            """
    }

    /// The page as a response (never cached: it depends on the caller's credentials).
    static func response(_ notice: Notice, status: HTTPResponse.Status, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = ByteBuffer(string: html(notice))
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}
