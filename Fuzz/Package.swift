// swift-tools-version:6.1
// libFuzzer targets for Marginalia's parsers of outside input. Apart from the
// main package so that its `swift build` and `swift test` never see them.
// `Tools/fuzz` builds them: every Swift module with the address sanitizer and
// libFuzzer's coverage instrumentation (-Xswiftc), and only these targets
// linked with libFuzzer, which brings its own `main` (SwiftPM's `--sanitize
// fuzzer` would link it into the build tool that embeds the migrations too).
//
// A new target is one file, Sources/<name>/<Name>.swift, plus its name below
// (and, if it has one, a seed folder Corpus/<name>/).
import PackageDescription

let targets = [
    "fuzz-bundle",
    "fuzz-sync-names",
    "fuzz-html",
    "fuzz-epub",
    "fuzz-text",
    "fuzz-json",
]

let package = Package(
    name: "MarginaliaFuzz",
    dependencies: [
        .package(name: "Marginalia", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                .product(name: "Marginalia", package: "Marginalia"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])])
    }
)
