import HTTPTypes

extension HTTPField.Name {
    /// Sent on every response, static files, errors and the WebSocket upgrade included.
    static let cracktraderAPIVersion = Self("X-Cracktrader-API-Version")!
    /// RFC 9745.
    static let deprecation = Self("Deprecation")!
    /// RFC 8594.
    static let sunset = Self("Sunset")!
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let accessControlAllowOrigin = Self("Access-Control-Allow-Origin")!
    static let accessControlAllowMethods = Self("Access-Control-Allow-Methods")!
    static let accessControlAllowHeaders = Self("Access-Control-Allow-Headers")!
    static let accessControlRequestMethod = Self("Access-Control-Request-Method")!
    static let accessControlMaxAge = Self("Access-Control-Max-Age")!
    static let hostField = Self("Host")!
    /// RFC 8288.
    static let link = Self("Link")!
}

/// Header values that never change.
enum EdgeHeaderValues {
    /// The headers every response carries, whichever code path produced it.
    static func applyCommon(to headers: inout HTTPFields) {
        headers[.cracktraderAPIVersion] = apiVersion
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        // Not `no-referrer`: under it browsers send `Origin: null` with a form post (the sign-in
        // form), which the Origin check must refuse. `same-origin` still sends nothing to others.
        headers[.referrerPolicy] = "same-origin"
    }

    static let apiVersion = CracktraderVersion.apiVersion
    /// Same-origin everything, no inline script or style, no plugins, no framing.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}
