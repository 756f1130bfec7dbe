// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "labeille-bench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "labeille", targets: ["labeille"]),
        .library(name: "LabeilleBench", targets: ["LabeilleBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .target(name: "CSpawn", path: "Sources/CSpawn"),
        .executableTarget(name: "embed-sql", path: "Sources/embed-sql"),
        .plugin(name: "EmbedSQLPlugin", capability: .buildTool(), dependencies: ["embed-sql"]),
        .target(
            name: "LabeilleBench",
            dependencies: ["CSQLite", "CSpawn", .product(name: "Yams", package: "Yams")],
            path: "Sources/LabeilleBench",
            plugins: ["EmbedSQLPlugin"]),
        .executableTarget(
            name: "labeille",
            dependencies: ["LabeilleBench", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/labeille"),
        .executableTarget(name: "labeille-benchmarks", dependencies: ["LabeilleBench"], path: "Sources/labeille-benchmarks"),
        .testTarget(
            name: "LabeilleBenchTests", dependencies: ["LabeilleBench", .product(name: "Yams", package: "Yams")],
            path: "Tests/LabeilleBenchTests"),
    ]
)
