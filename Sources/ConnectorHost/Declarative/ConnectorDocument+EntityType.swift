extension ConnectorDocument {
    /// An OpsHub entity type served through the document's operations: the
    /// standard `entity.*` operations (and `entity_type.*`, `lookup.values`)
    /// call the operations it maps, reading the entity's ID and fields from
    /// each answer at JSON pointers and writing fields into request bodies at
    /// the same pointers.
    public struct EntityType: Sendable, Hashable {
        /// The entity type's ID, as `entityTypeId` names it.
        public var id: String
        public var name: String
        /// Where an answer holds the entity's ID.
        public var idPointer: String
        /// In the document's order.
        public var fields: [EntityField]
        /// Answers one entity by its ID; every entity type has it.
        public var get: EntityOperation
        public var list: EntityOperation?
        public var create: EntityOperation?
        public var update: EntityOperation?
        public var delete: EntityOperation?

        /// Whether the entity type is a source, a target, or both.
        public var direction: String {
            switch (list != nil, create != nil || update != nil) {
            case (true, true): "BOTH"
            case (false, true): "TARGET_ONLY"
            default: "SOURCE_ONLY"
            }
        }
    }

    /// A field of an entity type.
    public struct EntityField: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case text, number, lookup, user

            /// The OpsHub `fieldType`.
            public var fieldType: String { rawValue.uppercased() }
        }

        /// The field's `internalName`.
        public var name: String
        public var label: String
        /// Where the end system's entity holds the field.
        public var pointer: String
        public var kind: Kind
        public var required: Bool
        public var defaultValue: JSONValue?
        /// What `lookup.values` answers for the field, as `{"id", "value"}`.
        public var values: [LookupValue]
    }

    /// One value of a lookup field.
    public struct LookupValue: Sendable, Hashable {
        public var id: String
        public var value: String
    }

    /// One of the document's operations as an entity operation.
    public struct EntityOperation: Sendable, Hashable {
        /// The operation's name.
        public var operation: String
        /// The parameter that carries the entity's ID (get, update, delete).
        public var idParameter: String?
        /// Where a list answer holds its entities (empty: the answer is the array).
        public var items: String
    }

    /// The standard operations an entity mapping serves, in the order they
    /// take the last IDs of the function range.
    static let entityOperations: [StandardOperation] = [
        .entityTypeList, .entityTypeGet, .lookupValues, .entityGet, .entityCreate, .entityUpdate, .entityList, .entityDelete,
    ]
}
