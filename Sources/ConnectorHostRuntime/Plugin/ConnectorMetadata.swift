/// What a catalogue says of a connector besides its name and version: the one
/// type of it, in a plugin's manifest, in what a distribution's `metadata.json`
/// says over the manifest, in a catalogue entry and in the views of them. Its
/// keys are camelCase; a JSON view that wants another case gets it from its
/// encoder's key strategy, not from copies of these fields.
public struct ConnectorMetadata: Sendable, Hashable, Codable {
    /// The name to show, e.g. "PostgreSQL"; nil: the connector's name. A
    /// distribution's `metadata.json` gives it; a manifest has none.
    public var displayName: String?
    /// e.g. `source`, `destination` or `both`.
    public var type: String?
    /// e.g. `issue-tracker` or `crm`.
    public var category: String?
    /// What the connector does.
    public var description: String?
    /// e.g. an SPDX identifier such as `Apache-2.0`.
    public var licence: String?
    /// Who maintains the connector.
    public var owner: String?
    /// Where the connector's icon is.
    public var iconURL: String?
    /// JSON Schema text of the connector's configuration form.
    public var uiSpec: String?

    /// Metadata with the given fields.
    public init(
        displayName: String? = nil, type: String? = nil, category: String? = nil, description: String? = nil,
        licence: String? = nil, owner: String? = nil, iconURL: String? = nil, uiSpec: String? = nil
    ) {
        self.displayName = displayName
        self.type = type
        self.category = category
        self.description = description
        self.licence = licence
        self.owner = owner
        self.iconURL = iconURL
        self.uiSpec = uiSpec
    }

    /// This metadata said over `base`: each field this leaves nil is `base`'s.
    public func over(_ base: ConnectorMetadata) -> ConnectorMetadata {
        ConnectorMetadata(
            displayName: displayName ?? base.displayName, type: type ?? base.type, category: category ?? base.category,
            description: description ?? base.description, licence: licence ?? base.licence, owner: owner ?? base.owner,
            iconURL: iconURL ?? base.iconURL, uiSpec: uiSpec ?? base.uiSpec
        )
    }
}
