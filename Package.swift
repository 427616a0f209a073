// swift-tools-version:6.1
import PackageDescription

// Linux only (x86_64 and arm64 with glibc): the host relies on inotify, pidfd,
// eventfd, prctl, seccomp, Landlock and namespaces; SwiftPM has no way to
// declare a Linux-only package, so CConnectorHostSystem stops any other build
// with an #error that says so.
let package = Package(
    name: "ConnectorHost",
    products: [
        .library(name: "ConnectorHost", targets: ["ConnectorHost"]),
        .library(name: "ConnectorHostRegistry", targets: ["ConnectorHostRegistry"]),
        .library(name: "ConnectorHostServer", targets: ["ConnectorHostServer"]),
        .executable(name: "connector-host", targets: ["connector-host"]),
        .executable(name: "connector-host-worker", targets: ["connector-host-worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The OpenAPI document's types; loading external references is not needed.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0", traits: []),
        // Declarative connector documents in YAML.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Fleet mode: the registry in PostgreSQL.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // make docs: `swift package generate-documentation` for the library products.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // The public C header in include/, the contract plugins compile against.
        .systemLibrary(name: "ConnectorHostABI", path: "include"),
        // posix_spawn, prctl, wait-status macros and rlimits, for host and worker.
        .target(name: "CConnectorHostSystem"),
        // The worker's system-call filter (Debian: libseccomp-dev); linked into the worker only.
        .target(name: "CConnectorHostSeccomp", linkerSettings: [.linkedLibrary("seccomp")]),
        // The vector inner loop of the JSON check.
        .target(name: "CConnectorHostJSON"),
        // SQLite (Debian: libsqlite3-dev), for the registry.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        // libarchive (Debian: libarchive-dev), for uploaded .tar.gz distributions.
        .systemLibrary(name: "CArchive", path: "Sources/CArchive", providers: [.apt(["libarchive-dev"])]),
        // Calls custom functions of any declared signature through libffi (Debian: libffi-dev).
        .target(
            name: "CConnectorHostFFI",
            dependencies: ["ConnectorHostABI"],
            cSettings: [.headerSearchPath("../../include")],
            linkerSettings: [.linkedLibrary("ffi")]
        ),
        // HTTP for declarative connectors, through libcurl (Debian: libcurl4-openssl-dev).
        // Opens libcurl.so.4 at first use (dlopen), so a process that runs no declarative connector never maps it.
        .target(name: "CConnectorHostCurl"),
        // What runs a plugin, in the host and in a worker alike: the C ABI and
        // its loader, declarative connectors, the in-process runtime, the
        // sandbox protocol's frames, the error taxonomy. Everything the worker links.
        .target(
            name: "ConnectorHostRuntime",
            dependencies: [
                "ConnectorHostABI",
                "CConnectorHostSystem",
                "CConnectorHostFFI",
                "CConnectorHostJSON",
                "CConnectorHostCurl",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The host: plugins by name, routing, resilience, the host side of the
        // sandbox, discovery, reload, the conformance kit. Re-exports the runtime.
        .target(
            name: "ConnectorHost",
            dependencies: [
                "ConnectorHostRuntime",
                "ConnectorHostABI",
                "CConnectorHostSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The registry of orgs, tokens, registrations and the catalogue: SQLite
        // by default, PostgreSQL for a fleet of hosts.
        .target(
            name: "ConnectorHostRegistry",
            dependencies: [
                "ConnectorHost",
                "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The REST server: registration, catalogue, control plane (Hummingbird 2).
        .target(
            name: "ConnectorHostServer",
            dependencies: [
                "ConnectorHost",
                "ConnectorHostRegistry",
                "CArchive",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIKit30", package: "OpenAPIKit"),
            ],
            // The web console, compiled into the library: no file to find at run time.
            resources: [
                .embedInCode("Console/index.html"), .embedInCode("Console/console.js"), .embedInCode("Console/console.css"),
            ]
        ),
        // make bench: latency and throughput of the call paths.
        .executableTarget(
            name: "connector-host-bench",
            dependencies: [
                "ConnectorHost", "ConnectorHostRegistry", "ConnectorHostABI",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The README's embedding example: a Hummingbird service hosting connectors.
        .executableTarget(
            name: "connector-host-example",
            dependencies: [
                "ConnectorHost", "ConnectorHostServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The sandbox process of one plugin: the worker side of the protocol.
        // It links the runtime only, none of the host.
        .executableTarget(
            name: "connector-host-worker",
            dependencies: [
                "ConnectorHostRuntime", "ConnectorHostABI", "CConnectorHostSystem", "CConnectorHostSeccomp",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "connector-host",
            dependencies: [
                "ConnectorHost",
                "ConnectorHostRegistry",
                "ConnectorHostServer",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What both test targets use: the real servers of Tests/http on loopback, and a log to read.
        .target(
            name: "SharedTestSupport", dependencies: ["CConnectorHostSystem", .product(name: "Logging", package: "swift-log")],
            path: "Tests/SharedTestSupport"
        ),
        .testTarget(
            name: "ConnectorHostTests",
            dependencies: [
                "ConnectorHost", "ConnectorHostRuntime", "ConnectorHostRegistry", "ConnectorHostABI", "SharedTestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                // The worker's own SHA-256 is checked against it.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Plugins the Makefile builds to build/fixtures; C, so not part of the Swift target.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ConnectorHostServerTests",
            dependencies: [
                "ConnectorHostServer", "ConnectorHost", "ConnectorHostRuntime", "ConnectorHostRegistry", "SharedTestSupport",
                .product(name: "OpenAPIKit30", package: "OpenAPIKit"),
                // Route tests that need no socket run through the router's test client.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
