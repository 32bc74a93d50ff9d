// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Marginalia",
    platforms: [.macOS(.v13), .iOS(.v16)],
    products: [
        .library(name: "Marginalia", targets: ["Marginalia"]),
        .executable(name: "marginalia", targets: ["marginalia-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .target(
            name: "Marginalia",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                "SystemZlib",
            ],
            plugins: [.plugin(name: "EmbedMigrations")]
        ),
        // zlib, which inflates EPUB entries; ZIPFoundation, which the tests
        // write EPUBs with, links the same library.
        .systemLibrary(name: "SystemZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .executableTarget(
            name: "marginalia-cli",
            dependencies: [
                "Marginalia",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Every command is a new process, and the argument parser's generic
            // property wrappers are its largest start-up cost. With this flag
            // their metadata comes from accessors that carry the conformances,
            // instead of a mangled name that the runtime demangles and checks
            // against every conformance record of the binary: 1.6 ms less CPU
            // per `annotate` (BENCHMARKS.md, "Start-up"). Set on the
            // executable only, so the library stays usable as a dependency.
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]
        ),
        .executableTarget(name: "MigrationEmbedder"),
        .executableTarget(
            name: "marginalia-populate",
            dependencies: ["Marginalia"],
            path: "Tools/Populate"
        ),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        .testTarget(
            name: "MarginaliaTests",
            dependencies: [
                "Marginalia",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Corpus", "ExportGolden"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["marginalia-cli"]
        ),
    ]
)
