// swift-tools-version:6.1
import PackageDescription

/// Our modules are compiled with cross-module optimization: the JSON writer, the row cells and the model
/// are called for every value of every row from other modules, and a call that cannot be inlined or
/// specialized across the boundary costs more than the work it does (scripts/bench, BENCHMARKS.md).
let optimized: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "StatusGraph",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "statusgraph", targets: ["statusgraph"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The OData entity data model (EDM): types, properties, containment. Foundation only.
        .target(name: "ODataModel", swiftSettings: optimized),
        // OData machinery that knows neither HTTP nor SQL: JSON, URL parsing, binding, errors.
        .target(name: "ODataCore", dependencies: ["ODataModel"], swiftSettings: optimized),
        // The Graph deviceAppManagement schema for v1.0 and beta, built from a data file.
        .target(
            name: "GraphModel",
            dependencies: ["ODataModel"],
            resources: [.embedInCode("Resources/graph-model.json")]
        ),
        // The backend-neutral storage protocol, table layout and SQL translation.
        .target(name: "Storage", dependencies: ["ODataModel", "ODataCore"], swiftSettings: optimized),
        // SQLite's process-wide settings that only C can make (`sqlite3_config` is variadic), and the SQL
        // functions every connection gets: case mapping's hook, checked arithmetic, text in UTF-16 units.
        .target(name: "CSQLiteSettings", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The embedded default backend.
        .target(
            name: "StorageSQLite",
            dependencies: [
                "Storage", "CSQLiteSettings", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: optimized),
        // The scale-out backend.
        .target(
            name: "StoragePostgres",
            dependencies: [
                "Storage", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: optimized
        ),
        // What the test suites share: the backends they run on, an interpreter of queries to check them by.
        .target(
            name: "StatusGraphTestSupport",
            dependencies: [
                "ODataCore", "ODataModel", "Storage", "StorageSQLite", "StoragePostgres", "GraphModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // zlib, for request bodies sent compressed.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The Hummingbird application: generic handlers driven by the model.
        .target(
            name: "StatusGraphServer",
            dependencies: [
                "ODataCore", "GraphModel", "Storage", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: optimized
        ),
        .executableTarget(
            name: "statusgraph",
            dependencies: [
                "StatusGraphServer", "StorageSQLite", "StoragePostgres", "GraphModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "ODataCoreTests", dependencies: ["ODataCore", "GraphModel"]),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "StorageSQLite", "StoragePostgres", "GraphModel", "StatusGraphTestSupport",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "StatusGraphServerTests",
            dependencies: [
                "StatusGraphServer", "StorageSQLite", "StoragePostgres", "GraphModel", "StatusGraphTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            exclude: ["Golden"]  // read from the source tree (#filePath), so they can be rewritten
        ),
    ],
    swiftLanguageModes: [.v6]
)
