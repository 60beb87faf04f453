// swift-tools-version:6.0
import PackageDescription

// Linux only (libelf, Glibc, QEMU-tested boot paths). SwiftPM's `platforms` can name only Apple
// platforms, so none is listed; the manifest itself refuses other hosts, before anything compiles.
#if !os(Linux)
#error("kimage builds on Linux only (libelf, Glibc); on macOS use a Linux container or VM")
#endif

let package = Package(
    name: "kimage",
    products: [
        .executable(name: "kimage", targets: ["kimage"]),
        .library(name: "KImageKit", targets: ["KImageKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibELF",
            pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]
        ),
        // `pack --compress lz4`: the LZ4 block format from Debian's liblz4.
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        // MemberImportVisibility: a file sees only the extensions of modules it imports itself, so
        // Foundation's (TOMLKit imports it) cannot slip back into kimage, which links
        // FoundationEssentials only: the full Foundation and ICU cost every run startup time.
        .target(
            name: "KImageKit",
            dependencies: ["CLibELF", "CLZ4", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(
            name: "kimage",
            dependencies: [
                "KImageKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        // Shared by both test targets: building fixtures, running the CLI, booting QEMU.
        .target(name: "TestSupport", dependencies: ["KImageKit"], path: "Tests/TestSupport"),
        .testTarget(name: "KImageKitTests", dependencies: ["KImageKit", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["KImageKit", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
