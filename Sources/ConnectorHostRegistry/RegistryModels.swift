import ConnectorHost

/// Who is calling, as a token says.
public enum Principal: Sendable, Hashable, CustomStringConvertible {
    /// Manages orgs and tokens; sees everything.
    case admin
    /// Sees and changes only its org's registrations and connectors.
    case org(String)

    /// `admin`, or `org:` and the org's ID: how the audit trail names the actor.
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
    /// The org's ID, given when it was created; what tokens and registrations name.
    public var id: String
    /// The org's display name.
    public var name: String
    /// When the org was created: ISO 8601 with fractional seconds.
    public var createdAt: String
}

/// A connector registration (Jitterbit): name and version in; ID, key, secret
/// and a block of 100 entity IDs out.
public struct Registration: Sendable, Hashable {
    /// The registration's ID: a number, as text, never handed out twice.
    public var id: String
    /// The ID of the org that owns it.
    public var org: String
    /// The connector name registered; only this org may use it.
    public var name: String
    /// The version registered; one registration per name and version of an org.
    public var version: String
    /// The registration key, a lowercase UUID; plugins carry it in their descriptor.
    public var key: String
    /// The entity ID of the connector's endpoint: the first of its block.
    public var endpointEntityId: Int64
    /// The entity IDs its functions may take: the rest of its block.
    public var functionEntityIds: ClosedRange<Int64>
    /// When it was registered: ISO 8601 with fractional seconds.
    public var createdAt: String
}

/// A new registration, with the secret — shown this once, stored only hashed.
public struct NewRegistration: Sendable, Hashable {
    /// The registration as the registry keeps it.
    public var registration: Registration
    /// The secret, a lowercase UUID: returned this once; the registry keeps only a salted hash.
    public var secret: String
}

/// Where a connector is in its life (Obsrv statuses).
public enum CatalogueStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Recorded from an upload or a discovered file; a new build may replace it.
    case draft = "Draft"
    /// Being checked; its build is frozen, and the conformance report is kept.
    case inValidation = "InValidation"
    /// Served to callers in its publication scope.
    case live = "Live"
    /// No longer served; the last status.
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
    /// The ID of the org that owns it.
    public var org: String
    /// The connector's name, as its plugin's manifest gives it.
    public var name: String
    /// What the catalogue shows of it: a distribution's metadata.json over the manifest's.
    public var metadata: ConnectorMetadata
    /// The plugin's version, as its manifest gives it.
    public var version: String
    /// Where the connector is in its life.
    public var status: CatalogueStatus
    /// Who may call it once Live; nil until it is published.
    public var scope: PublishScope?
    /// The plugin file the host loads.
    public var filePath: String
    /// The SHA-256 of the plugin file, lowercase hex: a build is identified by it.
    public var fileSHA256: String
    /// The conformance report stored when the connector went through validation.
    public var validationReport: String?
    /// The principal that recorded the entry (``Principal/description``).
    public var createdBy: String
    /// The principal that changed it last.
    public var updatedBy: String
    /// When it was recorded: ISO 8601 with fractional seconds.
    public var createdDate: String
    /// When it last changed: ISO 8601 with fractional seconds.
    public var updatedDate: String
    /// When it went Live; nil before.
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
    /// The token's ID, by which it is listed and revoked.
    public var id: String
    /// The org the token acts for; nil for an admin token.
    public var org: String?
    /// When it was issued: ISO 8601 with fractional seconds.
    public var createdAt: String
    /// When it was revoked; nil while it is valid.
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
