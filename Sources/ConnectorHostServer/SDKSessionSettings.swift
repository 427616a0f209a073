import ConnectorHost
import ConnectorHostRegistry
import Foundation
import HTTPTypes
import Hummingbird

/// The session settings an OpsHub SDK call runs with, read from its headers:
///
/// 1. `connector-credentials`, a JSON array of `{"key", "value", "sensitive"}`
///    (the host's own header), when present;
/// 2. otherwise `connector-connection`, the ID of a saved connection of the
///    caller's org for this connector (``ConnectionRoutes``);
/// 3. otherwise `X-Connector-Session`, the session value initialisation
///    answered (``SessionMarkers``), which stands for the settings the
///    session was initialised with;
/// 4. otherwise none: the plugin's defaults.
///
/// The other pairs initialisation answered come back as headers too and are
/// not settings: they are the plugin's, which keeps its session state itself.
/// Standard HTTP headers and the token headers (`authToken`, `Authorization`)
/// never are.
enum SDKSessionSettings {
    static let credentialsHeader = HTTPField.Name("connector-credentials")
    static let connectionHeader = HTTPField.Name("connector-connection")
    static let markerHeader = HTTPField.Name(SessionMarkers.key)

    /// - Throws: `invalid_request` for a `connector-credentials` header that is
    ///   not the JSON array; what ``ConnectionRoutes/settings(ofConnection:connector:principal:state:)``
    ///   throws for a connection; `unauthorized` (401: initialise a new
    ///   session) for a marker this server did not give this caller for this connector.
    static func settings(
        _ request: Request, connector: Connector, principal: Principal, state: ServerState
    ) async throws(ConnectorHostError) -> [SessionSetting] {
        if let name = credentialsHeader, let header = request.headers[name] {
            do {
                return try JSONDecoder().decode([SessionSetting].self, from: Data(header.utf8))
            } catch {
                throw ConnectorHostError(
                    .invalidRequest,
                    "the connector-credentials header must be a JSON array of {\"key\", \"value\", \"sensitive\"}"
                )
            }
        }
        if let name = connectionHeader, let id = request.headers[name] {
            return try await ConnectionRoutes.settings(ofConnection: id, connector: connector, principal: principal, state: state)
        }
        if let marker = marker(request) {
            guard let session = state.sessionMarkers.session(marker, connector: connector.name, principal: principal) else {
                throw ConnectorHostError(
                    .unauthorized,
                    "the session \(SessionMarkers.key) names is not open on this server (logged out, or the server restarted): initialize a new session"
                )
            }
            return session.settings
        }
        return []
    }

    /// The request's `X-Connector-Session`, if it has one.
    static func marker(_ request: Request) -> String? {
        markerHeader.flatMap { request.headers[$0] }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Initialisation's answer, the plugin's pairs followed by the marker of
    /// `session`. An answer that is not a JSON array is the plugin's defect,
    /// passed on as it is: the caller sees what the plugin said. A pair of the
    /// plugin's under the marker's key is dropped: the client would send one
    /// header for both.
    static func answer(_ response: [UInt8], marker: String) -> [UInt8] {
        guard case .array(var pairs)? = try? JSONValue(parsing: response) else { return response }
        pairs.removeAll { $0["key"]?.stringValue?.lowercased() == SessionMarkers.key.lowercased() }
        pairs.append(.object(["key": .string(SessionMarkers.key), "value": .string(marker), "sensitive": .bool(true)]))
        return JSONValue.array(pairs).bytes
    }
}
