extension ConnectorDocument {
    /// An OpsHub entity type served through the document's operations: the
    /// standard `entity.*` operations (and `entity_type.*`, `lookup.values`)
    /// call the operations it maps, reading the entity's ID and fields from
    /// each answer at JSON pointers and writing fields into request bodies at
    /// the same pointers.
    public struct EntityType: Sendable, Hashable {
        /// The entity type's ID, as `entityTypeId` names it.
        public var id: String
        /// The name `entity_type.list` shows.
        public var name: String
        /// Where an answer holds the entity's ID.
        public var idPointer: String
        /// In the document's order.
        public var fields: [EntityField]
        /// Answers one entity by its ID; every entity type has it.
        public var get: EntityOperation
        /// Answers the entities, whole or one page at a time; nil: `entity.list` is refused.
        public var list: EntityOperation?
        /// Takes the fields as its body and answers the new entity; nil: `entity.create` is refused.
        public var create: EntityOperation?
        /// Takes the ID and the fields to change; nil: `entity.update` is refused.
        public var update: EntityOperation?
        /// Takes the ID; nil: `entity.delete` is refused.
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
        /// What a field holds, as OpsHub types it.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            /// A string.
            case text
            /// A number.
            case number
            /// One of the field's values, by ID.
            case lookup
            /// A username or an email.
            case user

            /// The OpsHub `fieldType`.
            public var fieldType: String { rawValue.uppercased() }
        }

        /// The field's `internalName`.
        public var name: String
        /// The field's `displayName`.
        public var label: String
        /// Where the end system's entity holds the field.
        public var pointer: String
        /// The field's type, which its values are checked against.
        public var kind: Kind
        /// Whether `entity.create` needs a value (or the default).
        public var required: Bool
        /// What `entity.create` sends when it is given no value.
        public var defaultValue: JSONValue?
        /// What `lookup.values` answers for the field, as `{"id", "value"}`.
        public var values: [LookupValue]
    }

    /// One value of a lookup field.
    public struct LookupValue: Sendable, Hashable {
        /// What the field holds.
        public var id: String
        /// What a user is shown.
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
