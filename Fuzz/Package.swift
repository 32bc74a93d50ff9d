// swift-tools-version:6.1
// libFuzzer targets for Marginalia's parsers of outside input. Apart from the
// main package so that its `swift build` and `swift test` never see them.
// `Tools/fuzz` builds them: every Swift module with the address sanitizer and
// libFuzzer's coverage instrumentation (-Xswiftc), and only these targets
// linked with libFuzzer, which brings its own `main` (SwiftPM's `--sanitize
// fuzzer` would link it into the build tool that embeds the migrations too).
//
// A new target is one file, Sources/<name>/<Name>.swift, plus its name below
// (and, if it has one, a seed folder Corpus/<name>/). The file defines
// `LLVMFuzzerTestOneInput` and `<name with _>_main`, which calls `runFuzzer`
// (see FuzzSupport for why).
import PackageDescription

let targets = [
    "fuzz-bundle",
    "fuzz-sync-names",
    "fuzz-html",
    "fuzz-epub",
    "fuzz-xml",
    "fuzz-text",
    "fuzz-json",
    "fuzz-import",
]

let package = Package(
    name: "MarginaliaFuzz",
    dependencies: [
        .package(name: "Marginalia", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [.target(name: "FuzzSupport")] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzSupport", .product(name: "Marginalia", package: "Marginalia"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])])
    }
)
