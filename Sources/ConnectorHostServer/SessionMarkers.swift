import ConnectorHost
import ConnectorHostRegistry
import Foundation
import Synchronization

/// The session value the server adds to every OpsHub session initialisation
/// answer, `X-Connector-Session`, and the settings each one stands for.
///
/// An OpsHub client sends the key/value pairs initialisation answered back on
/// every later call as request headers, never the settings it initialised
/// with. The plugin's own pairs cannot name those settings (the tracker
/// answers only `sessionUser`, and a plugin may answer nothing), so the
/// server adds one pair of its own that does. A marker is random, so it tells
/// nothing about the settings; it is good only for the connector and the
/// caller it was given to; and it lives in memory: after a restart or a
/// cleanup it is refused with 401, which makes an OpsHub client initialise
/// again.
final class SessionMarkers: Sendable {
    static let key = "X-Connector-Session"

    /// What a marker stands for.
    struct Session: Hashable, Sendable {
        let connector: String
        let principal: Principal
        let settings: [SessionSetting]
    }

    private struct State {
        var sessions: [String: Session] = [:]
        var markers: [Session: String] = [:]
        /// Oldest first, to forget the oldest when full.
        var order: [String] = []
    }

    /// Far more credential sets than one server's callers use; a caller
    /// initialising with ever new settings cannot grow the table past it.
    static let capacity = 10_000

    private let state = Mutex(State())

    /// The marker of `session`: the same for the same connector, caller and
    /// settings, so that initialising again (as OpsHub does after a 401)
    /// adds nothing.
    func marker(for session: Session) -> String {
        state.withLock { state in
            if let marker = state.markers[session] { return marker }
            if state.order.count >= Self.capacity, let oldest = state.order.first {
                state.order.removeFirst()
                if let forgotten = state.sessions.removeValue(forKey: oldest) { state.markers[forgotten] = nil }
            }
            let marker = UUID().uuidString.lowercased()
            state.sessions[marker] = session
            state.markers[session] = marker
            state.order.append(marker)
            return marker
        }
    }

    /// The session `marker` stands for, if it was given for this connector
    /// and caller.
    func session(_ marker: String, connector: String, principal: Principal) -> Session? {
        state.withLock { state in
            state.sessions[marker].flatMap { $0.connector == connector && $0.principal == principal ? $0 : nil }
        }
    }

    /// Forgets a marker (session logout).
    func forget(_ marker: String) {
        state.withLock { state in
            guard let session = state.sessions.removeValue(forKey: marker) else { return }
            state.markers[session] = nil
            state.order.removeAll { $0 == marker }
        }
    }
}
