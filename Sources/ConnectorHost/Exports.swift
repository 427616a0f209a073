// One import for an embedding service: the runtime's types (errors, plugin
// descriptions, JSON values, connector documents) are part of the host's API.
@_exported import ConnectorHostRuntime
