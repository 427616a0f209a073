/// Who is calling, as a token says.
public enum Principal: Sendable, Hashable, CustomStringConvertible {
    /// Manages orgs and tokens; sees everything.
    case admin
    /// Sees and changes only its org's registrations and connectors.
    case org(String)

    public var description: String {
        switch self {
        case .admin: "admin"
        case .org(let id): "org:\(id)"
        }
    }

    /// The org it acts for; nil for the admin.
    public var orgID: String? {
        if case .org(let id) = self { id } else { nil }
    }

    /// Whether this principal may act for `org`.
    public func mayAct(for org: String) -> Bool {
        switch self {
        case .admin: true
        case .org(let id): id == org
        }
    }
}

/// An organisation: the owner of registrations, connectors and tokens.
public struct Org: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var createdAt: String
}

/// A connector registration (Jitterbit): name and version in; ID, key, secret
/// and a block of 100 entity IDs out.
public struct Registration: Sendable, Hashable {
    public var id: String
    public var org: String
    public var name: String
    public var version: String
    public var key: String
    public var endpointEntityId: Int64
    public var functionEntityIds: ClosedRange<Int64>
    public var createdAt: String
}

/// A new registration, with the secret — shown this once, stored only hashed.
public struct NewRegistration: Sendable, Hashable {
    public var registration: Registration
    public var secret: String
}

/// Where a connector is in its life (Obsrv statuses).
public enum CatalogueStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case draft = "Draft"
    case inValidation = "InValidation"
    case live = "Live"
    case retired = "Retired"

    /// The status this one may move to next.
    public var next: CatalogueStatus? {
        switch self {
        case .draft: .inValidation
        case .inValidation: .live
        case .live: .retired
        case .retired: nil
        }
    }
}

/// Who may call a Live connector.
public enum PublishScope: String, Sendable, Hashable, Codable {
    /// Every org.
    case catalogue
    /// Only the owning org.
    case org
}

/// A connector of the catalogue (Obsrv): one uploaded or discovered plugin file.
public struct CatalogueEntry: Sendable, Hashable {
    /// `name-version`, e.g. "tracker-1.0.0".
    public var id: String
    /// The registration the plugin's key and secret belong to.
    public var connectorId: String
    public var org: String
    public var name: String
    /// The name to show, from a distribution's metadata.json; nil: `name`.
    public var displayName: String?
    public var type: String?
    public var category: String?
    public var version: String
    public var description: String?
    public var licence: String?
    public var owner: String?
    public var iconURL: String?
    public var uiSpec: String?
    public var status: CatalogueStatus
    public var scope: PublishScope?
    /// The plugin file the host loads.
    public var filePath: String
    public var fileSHA256: String
    /// The conformance report stored when the connector went through validation.
    public var validationReport: String?
    public var createdBy: String
    public var updatedBy: String
    public var createdDate: String
    public var updatedDate: String
    public var liveDate: String?

    /// Whether `principal` may read the entry: its org's, or Live in the catalogue.
    public func isVisible(to principal: Principal) -> Bool {
        principal.mayAct(for: org) || (status == .live && scope == .catalogue)
    }

    /// Whether `principal` may call the connector: it is Live, and published to
    /// the catalogue or to the principal's org.
    public func isCallable(by principal: Principal) -> Bool {
        guard status == .live else { return false }
        switch (scope, principal) {
        case (.catalogue?, _), (_, .admin): return true
        case (.org?, .org(let id)): return id == org
        case (nil, _): return false
        }
    }
}

/// A token as the registry lists it: never its value.
public struct TokenRecord: Sendable, Hashable, Codable {
    public var id: String
    /// The org the token acts for; nil for an admin token.
    public var org: String?
    public var createdAt: String
    public var revokedAt: String?

    // Every field, null ones too: clients read the same keys on every token.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(org, forKey: .org)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(revokedAt, forKey: .revokedAt)
    }
}
