// swift-tools-version:6.2
import PackageDescription

/// Upcoming-feature flags shared by every first-party target, as in Hummingbird's own manifest.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cracktrader",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cracktrader", targets: ["cracktrader"]),
        .library(name: "TradingCore", targets: ["TradingCore"]),
        .library(name: "CracktraderServer", targets: ["CracktraderServer"]),
        .library(name: "PineScript", targets: ["PineScript"]),
    ],
    dependencies: [
        // `traits: []` keeps swift-configuration and full Foundation (and with it ICU) out of the binary.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C libraries
        // No pkgConfig: it would put -L/usr/lib/<triple> ahead of the release build's static-library
        // folder, and the binary would link libz.so instead of libz.a. zlib.h is on the default path.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // MARK: Engine and data (no HTTP, no SQLite in TradingCore)
        .target(
            name: "TradingCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarketData",
            dependencies: ["TradingCore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Storage",
            dependencies: [
                "TradingCore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Execution",
            dependencies: [
                "TradingCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "ExchangeHistory",
            dependencies: [
                "TradingCore",
                "MarketData",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The live candle streams (`Venues/<Name>/<Name>CandleStream.swift`).
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// Where a run's bars come from: the candle store first, then a venue download, else
        /// `DATA_UNAVAILABLE`. Shared by the server and `cracktrader backtest --exchange`.
        .target(
            name: "DataAccess",
            dependencies: [
                "TradingCore",
                "MarketData",
                "Storage",
                "ExchangeHistory",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),

        /// The Pine Script language: lexer, parser, checker, compiler and the `ta.*` library.
        /// Runs on TradingCore's TradingView strategy model; knows nothing of HTTP or SQLite.
        .target(
            name: "PineScript",
            dependencies: ["TradingCore"],
            // The per-bar loop is closures over class-held state; in release builds the dynamic
            // exclusivity checks on those accesses cost a third of the run time. Debug builds (and
            // so the test suite) keep them, so a violation is still caught.
            swiftSettings: swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),

        /// Parameter sweeps, walk-forward and their plan → shard → merge protocol (docs/sweeps.md).
        .target(
            name: "Sweep",
            dependencies: [
                "TradingCore", "MarketData", "DataAccess", "Storage", "PineScript",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The embedded dashboard
        // The target's folder *is* WebUI/, so SwiftPM re-plans (and re-runs the plugin) whenever a
        // file there is edited, added or removed.
        .target(
            name: "WebUIAssets",
            path: "WebUI",
            swiftSettings: swiftSettings,
            plugins: ["EmbedWebUIPlugin"]
        ),
        /// The MIME table, shared by the embedder (build time) and the server (`--web-ui-dir`).
        .target(
            name: "WebMediaTypes",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EmbedWebUI",
            dependencies: [
                "CZlib",
                "WebMediaTypes",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "BuildTools/EmbedWebUI",
            swiftSettings: swiftSettings
        ),
        .plugin(
            name: "EmbedWebUIPlugin",
            capability: .buildTool(),
            dependencies: ["EmbedWebUI"],
            path: "BuildTools/EmbedWebUIPlugin"
        ),

        // MARK: HTTP server and executable
        .target(
            name: "CracktraderServer",
            dependencies: [
                "TradingCore",
                "MarketData",
                "Storage",
                "DataAccess",
                "ExchangeHistory",
                "Execution",
                "PineScript",
                "Sweep",
                "WebUIAssets",
                "WebMediaTypes",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cracktrader",
            dependencies: [
                "CracktraderServer",
                "TradingCore",
                "PineScript",
                "MarketData",
                "Storage",
                "DataAccess",
                "ExchangeHistory",
                "Sweep",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "TradingCoreTests",
            dependencies: ["TradingCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarketDataTests",
            dependencies: ["MarketData", "TradingCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "TradingCore"],
            swiftSettings: swiftSettings
        ),
        /// Local servers that speak each venue's REST and WebSocket protocol and verify signatures
        /// the way the venue documents them; only test targets link it.
        .target(
            name: "VenueTestServers",
            dependencies: [
                "TradingCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/VenueTestServers",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExecutionTests",
            dependencies: [
                "Execution", "TradingCore", "VenueTestServers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExchangeHistoryTests",
            dependencies: [
                "ExchangeHistory",
                "TradingCore",
                "MarketData",
                "VenueTestServers",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PineScriptTests",
            dependencies: ["PineScript", "TradingCore", "MarketData"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DataAccessTests",
            dependencies: ["DataAccess", "Storage", "MarketData", "TradingCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SweepTests",
            dependencies: ["Sweep", "TradingCore", "MarketData", "PineScript"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CracktraderServerTests",
            dependencies: [
                "CracktraderServer",
                "WebUIAssets",
                "CZlib",
                "VenueTestServers",
                "DataAccess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
