// swift-tools-version: 6.0
import PackageDescription

/// Hot numeric targets are compiled with bounds checks off in release builds; their
/// kernels work on unsafe buffers inside small functions whose indices are checked once.
let fastMath: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

/// The numeric kernels are written so that results do not depend on the instruction set: Learning's
/// floating point uses separate multiply and add and no libm (see GEMM.swift); the ChaCha20
/// keystream, the ziggurat's fast path and the RNS/NTT arithmetic are integer or exactly rounded
/// operations. So the target CPU only changes speed: AVX2 doubles the width of the eight-lane
/// ChaCha20 rounds and of the modular vector loops. `haswell` is the AVX2 level (x86-64-v3) of
/// every x86-64 server since 2013; the flag is x86-64 only.
#if arch(x86_64)
let vectorCPU: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorCPU: [SwiftSetting] = []
#endif

let package = Package(
    name: "privfed",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "privfed", targets: ["privfed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        /// Already Hummingbird's; named because `privfed serve` starts its ServiceGroup itself, with
        /// no signals of its own (see APIServer+Stop.swift).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        /// The PostgreSQL engine of the results store (`--db postgres://…`).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "ParallelWork"),
        /// The one frame every message between parties travels in (PFW1), and its reader/writer.
        .target(name: "Wire"),
        /// The git commit the binary is built from, written by the plugin at build time.
        .plugin(name: "GitStampPlugin", capability: .buildTool()),
        .target(name: "BuildStamp", plugins: ["GitStampPlugin"]),
        /// What a job records of each dataset file it loaded (name, path, SHA-256, size): one type for
        /// the loader (Learning) and the store (ResultsStore), which know nothing of each other.
        .target(name: "DatasetProvenance"),
        .target(name: "Randomness", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: fastMath + vectorCPU),
        .target(name: "Learning", dependencies: ["Randomness", "ParallelWork", "CZlib", "DatasetProvenance", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: fastMath + vectorCPU),
        .target(name: "DifferentialPrivacy", dependencies: ["Learning", "Randomness", "ParallelWork"], swiftSettings: fastMath + vectorCPU),
        .target(name: "HomomorphicEncryption", dependencies: ["Randomness", "ParallelWork"], swiftSettings: fastMath + vectorCPU),
        .target(name: "SecureComputation", dependencies: ["Randomness", "ParallelWork", "Wire", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: fastMath + vectorCPU),
        /// The schema is compiled into the binary (`embedInCode`), never read from disk at run time,
        /// so no folder beside the binary or the database can change what a migration does.
        .target(name: "ResultsStore", dependencies: [
            "DatasetProvenance",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], resources: [.embedInCode("Migrations")]),
        .target(name: "Pipeline", dependencies: [
            "BuildStamp", "Learning", "DifferentialPrivacy", "HomomorphicEncryption", "SecureComputation", "ResultsStore", "Randomness", "Wire",
            "DatasetProvenance", "Provisioning",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Audit", dependencies: [
            "Pipeline", "ResultsStore", "Learning", "DifferentialPrivacy", "HomomorphicEncryption", "Provisioning",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Service", dependencies: [
            "Pipeline", "Audit", "ResultsStore", "AgentLink",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], resources: [.copy("Resources/openapi.yaml")]),
        /// A federation's private CA and the participants' startup kits (X.509, swift-certificates).
        .target(name: "Provisioning", dependencies: [
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        /// Agents joining an orchestrator: one gRPC stream of PFW1 frames under mutual TLS, heartbeats.
        .target(name: "AgentLink", dependencies: [
            "Wire", "Provisioning",
            .product(name: "GRPCCore", package: "grpc-swift-2"),
            .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            .product(name: "X509", package: "swift-certificates"),
        ]),
        .executableTarget(name: "privfed", dependencies: [
            "AgentLink", "Service", "Provisioning", "Pipeline", "Audit", "ResultsStore", "Learning", "DifferentialPrivacy", "HomomorphicEncryption", "SecureComputation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        /// Fixtures the test targets share (repository paths, scratch databases, small job manifests,
        /// running a job, the built `privfed` binary). A regular target, so it imports Pipeline plainly.
        .target(name: "TestSupport", dependencies: ["Pipeline", "ResultsStore"], path: "Tests/TestSupport"),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Randomness", "ParallelWork"]),
        .testTarget(name: "DifferentialPrivacyTests", dependencies: ["DifferentialPrivacy", "Learning", "Randomness"]),
        .testTarget(name: "HomomorphicEncryptionTests", dependencies: ["HomomorphicEncryption", "Randomness"]),
        .testTarget(name: "SecureComputationTests", dependencies: ["SecureComputation", "Randomness", "Wire"]),
        .testTarget(name: "ResultsStoreTests", dependencies: ["ResultsStore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "ResultsStore", "Learning", "BuildStamp", "TestSupport", "Wire", "SecureComputation"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Pipeline", "ResultsStore", "TestSupport"]),
        .testTarget(name: "ServiceTests", dependencies: [
            "Service", "Audit", "Pipeline", "ResultsStore", "Randomness", "TestSupport",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Yams", package: "Yams"),
        ]),
        /// The agent link's messages and registry, and the link and agents' jobs as real processes on loopback.
        .testTarget(name: "AgentLinkTests", dependencies: [
            "AgentLink", "Provisioning", "Wire", "Learning", "Pipeline", "ResultsStore", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "X509", package: "swift-certificates"),
        ]),
        .testTarget(name: "SecurityTests", dependencies: [
            "Audit", "Pipeline", "Learning", "ResultsStore", "DifferentialPrivacy", "HomomorphicEncryption", "SecureComputation", "Randomness", "Wire",
            "Service", "TestSupport", "Provisioning", .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
