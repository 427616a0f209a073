import Foundation

/// One session's OAuth2 access token: fetched on first use, kept until a
/// minute before it expires, fetched by one caller at a time however many wait
/// for it (the others get the token that caller fetched). A refresh token the
/// server rotates replaces the old one. A token the API refuses goes with its
/// session: the host opens a new one.
final class OAuth2TokenCache: @unchecked Sendable {
    // Guarded by `lock`, which a fetch holds: callers that arrive meanwhile wait for its token.
    private let lock = NSLock()
    private var token: String?
    private var expiresAt: Date = .distantPast
    private var refreshToken: String?
    /// Told each refresh token the server rotates in.
    private let onRotation: @Sendable (String) -> Void

    init(refreshToken: String?, onRotation: @escaping @Sendable (String) -> Void = { _ in }) {
        self.refreshToken = refreshToken
        self.onRotation = onRotation
    }

    /// A failure to get a token.
    struct Failure: Error {
        let status: PluginReply.Status
        let message: String
    }

    /// The access token, fetched now if there is none or it is about to expire.
    func token(
        settings: ConnectorDocument.OAuth2, credentials: [String: String], connections: HTTPConnectionPool
    ) throws(Failure) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let token, Date() < expiresAt { return token }
        guard let tokenURL = credentials["token_url"] ?? settings.tokenURL else {
            throw Failure(status: .invalidRequest, message: "no token_url: give it in the document or as a credential")
        }
        let clientID = credentials["client_id"] ?? ""
        let clientSecret = credentials["client_secret"] ?? ""
        var form: [(String, String)]
        switch settings.grant {
        case .clientCredentials:
            form = [("grant_type", "client_credentials")]
        case .authorizationCode:
            guard let refreshToken else { throw Failure(status: .unauthorized, message: "no refresh_token to get an access token with") }
            form = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        }
        if let scopes = settings.scopes, !scopes.isEmpty { form.append(("scope", scopes)) }
        var request = HTTPRequest(
            method: "POST", url: tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        )
        switch settings.clientAuthentication {
        case .basic: request.basicCredentials = "\(percentEncoded(clientID)):\(percentEncoded(clientSecret))"
        case .body: form += [("client_id", clientID), ("client_secret", clientSecret)]
        }
        request.body = Array(form.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&").utf8)
        let response = connections.perform(request, call: nil)
        if let problem = response.failure {
            throw Failure(status: .transient, message: "the token endpoint \(tokenURL) could not be reached: \(problem)")
        }
        let answer = try? JSONValue(parsing: response.body)
        switch response.status {
        case 200..<300:
            guard let accessToken = answer?["access_token"]?.stringValue, !accessToken.isEmpty else {
                throw Failure(status: .permanent, message: "the token endpoint \(tokenURL) answered without an access_token")
            }
            let lifetime = answer?["expires_in"]?.integerValue ?? 3600
            token = accessToken
            expiresAt = Date().addingTimeInterval(Double(max(0, lifetime - 60)))
            if let rotated = answer?["refresh_token"]?.stringValue, !rotated.isEmpty, rotated != refreshToken {
                refreshToken = rotated
                onRotation(rotated)
            }
            return accessToken
        case 408, 409, 423, 425, 429, 500..<600:
            throw Failure(status: .transient, message: "the token endpoint \(tokenURL) answered \(response.status)")
        default:
            // The credentials are wrong: asking again cannot help.
            let said = [answer?["error"]?.stringValue, answer?["error_description"]?.stringValue].compactMap { $0 }
            let reason = said.isEmpty ? "no reason given" : said.joined(separator: ": ")
            throw Failure(
                status: .unauthorized, message: "the token endpoint \(tokenURL) refused the credentials (\(response.status): \(reason))"
            )
        }
    }
}
