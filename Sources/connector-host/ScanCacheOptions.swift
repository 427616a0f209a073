import ArgumentParser
import ConnectorHost
import Foundation

/// Where the commands that scan plugin files keep scan outcomes between runs.
struct ScanCacheOptions: ParsableArguments {
    @Flag(help: ArgumentHelp(
        "Scan every plugin file afresh, and keep no outcome for the next run (default: outcomes of unchanged files are kept in $CONNECTOR_HOST_SCAN_CACHE, else $XDG_CACHE_HOME/connector-host/scan-cache.json, else ~/.cache/...; CONNECTOR_HOST_SCAN_CACHE=off turns it off too)."
    ))
    var noScanCache = false

    /// The user's persistent cache, or one for this run only when turned off.
    var scanCache: any ScanCache {
        let configured = ProcessInfo.processInfo.environment["CONNECTOR_HOST_SCAN_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
        guard !noScanCache, configured != "off", let path = configured ?? FileScanCache.defaultPath else {
            return InMemoryScanCache()
        }
        return FileScanCache(path: path)
    }
}
