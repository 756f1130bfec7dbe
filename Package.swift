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
        // The library's layers. Each target sees only the ones listed as its dependencies, so the
        // compiler keeps them apart: statistics stay pure, only the store runs SQL, reports render
        // values they are given, and the use cases are where the layers meet.
        .target(name: "LabeilleCore", dependencies: ["CSpawn"], path: "Sources/LabeilleCore"),
        .target(name: "LabeilleStats", dependencies: ["LabeilleCore"], path: "Sources/LabeilleStats"),
        .target(
            name: "LabeilleStore",
            dependencies: ["LabeilleCore", "LabeilleStats", "CSQLite"],
            path: "Sources/LabeilleStore",
            plugins: ["EmbedSQLPlugin"]),
        .target(
            name: "LabeilleRunner",
            dependencies: ["LabeilleCore", "LabeilleStats", "LabeilleStore", "CSpawn", .product(name: "Yams", package: "Yams")],
            path: "Sources/LabeilleRunner"),
        .target(name: "LabeilleReports", dependencies: ["LabeilleCore", "LabeilleStats"], path: "Sources/LabeilleReports"),
        .target(
            name: "LabeilleUseCases",
            dependencies: ["LabeilleCore", "LabeilleStats", "LabeilleStore", "LabeilleRunner", "LabeilleReports"],
            path: "Sources/LabeilleUseCases"),
        // The library product: one import for code that embeds labeille-bench.
        .target(
            name: "LabeilleBench",
            dependencies: ["LabeilleCore", "LabeilleStats", "LabeilleStore", "LabeilleRunner", "LabeilleReports", "LabeilleUseCases"],
            path: "Sources/LabeilleBench"),
        .executableTarget(
            name: "labeille",
            dependencies: [
                "LabeilleCore", "LabeilleStats", "LabeilleStore", "LabeilleRunner", "LabeilleReports", "LabeilleUseCases", "CSpawn",
                .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/labeille"),
        .executableTarget(
            name: "labeille-benchmarks",
            dependencies: ["LabeilleCore", "LabeilleStats", "LabeilleStore", "LabeilleRunner", "LabeilleReports", "LabeilleUseCases"],
            path: "Sources/labeille-benchmarks"),
        .testTarget(
            name: "LabeilleBenchTests",
            dependencies: ["LabeilleCore", "LabeilleStats", "LabeilleStore", "LabeilleRunner", "LabeilleReports", "LabeilleUseCases", .product(name: "Yams", package: "Yams")],
            path: "Tests/LabeilleBenchTests"),
    ]
)
