/// Where a sandboxed plugin's build comes from: the file an operator replaces,
/// and how to keep a copy of what it holds where no later change reaches it.
///
/// A worker starts whenever a call needs one, long after the scan, so it runs
/// a kept copy; a new build in the file lifts a quarantine only once it has
/// been kept (and its signature checked) as the first one was.
package struct BuildSource: Sendable {
    /// The file in the plugin directory (or a reload's own copy).
    package let path: String
    /// Copies what `path` holds now and answers the copy; throws when it
    /// cannot be kept or its signature does not hold.
    package let keep: @Sendable () throws(ConnectorHostError) -> KeptBuild
    /// Copies the build that was scanned and admitted, for the first worker
    /// of a runtime that starts with no copy; throws when those bytes are gone.
    package let keepAdmitted: @Sendable () throws(ConnectorHostError) -> KeptBuild

    package init(
        path: String, keep: @escaping @Sendable () throws(ConnectorHostError) -> KeptBuild,
        keepAdmitted: (@Sendable () throws(ConnectorHostError) -> KeptBuild)? = nil
    ) {
        self.path = path
        self.keep = keep
        self.keepAdmitted = keepAdmitted ?? keep
    }
}

/// A copy of a build, under a path named by its SHA-256.
package struct KeptBuild: Sendable {
    package let path: String
    /// SHA-256 of the bytes copied, lowercase hex.
    package let sha256: String
}

/// A build as admitted, held by a hard link until a worker needs a copy of
/// it: a link costs the host's start no file of its own (a thousand new
/// files, and the inodes a filesystem allocates for them, were most of a
/// start's time). Replacing or removing the file in the plugin directory
/// leaves the link as it was; rewriting the file in place reaches the link
/// too, which is why its copy is checked against the hash that was scanned.
package struct LinkedBuild: Sendable {
    package let path: String
    /// SHA-256 of the file when it was scanned, lowercase hex.
    package let sha256: String
}
