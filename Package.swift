// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ConnectorHost",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ConnectorHost", targets: ["ConnectorHost"]),
        .executable(name: "connector-host", targets: ["connector-host"]),
        .executable(name: "connector-host-worker", targets: ["connector-host-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // The public C header in include/, the contract plugins compile against.
        .systemLibrary(name: "ConnectorHostABI", path: "include"),
        // posix_spawn, prctl, wait-status macros and rlimits, for host and worker.
        .target(name: "CConnectorHostSystem"),
        // Calls custom functions of any declared signature through libffi (Debian: libffi-dev).
        .target(
            name: "CConnectorHostFFI",
            dependencies: ["ConnectorHostABI"],
            cSettings: [.headerSearchPath("../../include")],
            linkerSettings: [.linkedLibrary("ffi")]
        ),
        .target(
            name: "ConnectorHost",
            dependencies: [
                "ConnectorHostABI",
                "CConnectorHostSystem",
                "CConnectorHostFFI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // make bench: latency and throughput of the call paths.
        .executableTarget(
            name: "connector-host-bench",
            dependencies: [
                "ConnectorHost", "ConnectorHostABI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The sandbox process of one plugin.
        .executableTarget(
            name: "connector-host-worker",
            dependencies: ["ConnectorHost", "CConnectorHostSystem"]
        ),
        .executableTarget(
            name: "connector-host",
            dependencies: [
                "ConnectorHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ConnectorHostTests",
            dependencies: [
                "ConnectorHost", "ConnectorHostABI",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            // Plugins the Makefile builds to build/fixtures; C, so not part of the Swift target.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
