// swift-tools-version:6.1
import PackageDescription

// The least that a command on Marginalia's stack costs, for Tools/bench-floor:
// the same packages, versions and build settings as `marginalia` (the flag on
// the executables, none on the library), and none of its work.
let package = Package(
    name: "StackFloor",
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .target(
            name: "FloorInsert",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "stack-floor",
            dependencies: ["FloorInsert", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]
        ),
        .executableTarget(
            name: "stack-floor-grdb",
            dependencies: ["FloorInsert"],
            swiftSettings: [.unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"])]
        ),
    ]
)
