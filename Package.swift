// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ConnectorHost",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ConnectorHost", targets: ["ConnectorHost"]),
        .executable(name: "connector-host", targets: ["connector-host"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The public C header in include/, the contract plugins compile against.
        .systemLibrary(name: "ConnectorHostABI", path: "include"),
        .target(
            name: "ConnectorHost",
            dependencies: [
                "ConnectorHostABI",
                .product(name: "Logging", package: "swift-log"),
            ]
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
            dependencies: ["ConnectorHost", "ConnectorHostABI"],
            // Plugins the Makefile builds to build/fixtures; C, so not part of the Swift target.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
