import ConnectorHostABI

/// The sizes the header pins for each version of each growable structure
/// (`CH_DESCRIPTOR_SIZE_V1`, `CH_FUNCTION_SIZE_V1`, …): the end of that
/// version's last field. Computed here the way the header does, because
/// Swift cannot import a macro that uses `offsetof`.
enum ABISizes {
    static let descriptorV1 = end(of: \ch_plugin_descriptor.resilience)
    static let functionV1 = end(of: \ch_function.parameter_types)
    static let functionV2 = end(of: \ch_function.flags)
    static let resilienceV1 = end(of: \ch_resilience.open_files_limit)
    /// sizeof(ch_function) as a version 2 plugin compiled it (tail padding
    /// included): the stride a `function_size` of 0 stands for.
    static let functionStrideV2 = (functionV2 + MemoryLayout<ch_function>.alignment - 1)
        / MemoryLayout<ch_function>.alignment * MemoryLayout<ch_function>.alignment

    private static func end<Structure, Field>(of field: KeyPath<Structure, Field>) -> Int {
        (MemoryLayout<Structure>.offset(of: field) ?? MemoryLayout<Structure>.size) + MemoryLayout<Field>.size
    }
}
