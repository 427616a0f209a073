import ConnectorHost
import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL, read into
/// a connection's configuration.
struct PostgresLocation: Sendable {
    let configuration: PostgresConnection.Configuration
    /// The URL without its password, for messages and `GET /plugins`.
    let redacted: String

    /// - Throws: `invalid_request` naming what is wrong with the URL.
    init(url: String) throws(ConnectorHostError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw ConnectorHostError(.invalidRequest, "not a PostgreSQL URL (postgres://user:password@host:port/database): \(url)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConnectorHostError(.invalidRequest, "the PostgreSQL URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConnectorHostError(.invalidRequest, "the PostgreSQL URL names no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else {
            throw ConnectorHostError(.invalidRequest, "the PostgreSQL URL names no database")
        }
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch mode {
            case "disable": tls = .disable
            case "prefer", "allow": tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case "require", "verify-ca", "verify-full":
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            default:
                throw ConnectorHostError(
                    .invalidRequest, "sslmode '\(mode)' is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )
            }
        } catch let error as ConnectorHostError {
            throw error
        } catch {
            throw ConnectorHostError(.unavailable, "cannot set up TLS for PostgreSQL: \(error)")
        }
        configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user,
            password: components.password, database: database, tls: tls
        )
        redacted = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
    }
}
