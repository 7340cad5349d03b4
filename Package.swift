// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "tolerator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tolerator", targets: ["tolerator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries stay behind thin system-library targets.
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]),

        // Where an installed binary keeps its data (share/tolerator beside bin/); else the checkout.
        .target(name: "InstallLayout"),
        // CPUID/XGETBV feature flags and a clock estimate: the facts behind the BLAS core choice.
        .target(name: "CCPUFeatures"),
        // Which OpenBLAS core runs: CPU features vs the detected core, a self-test in a child
        // process, a re-exec with OPENBLAS_CORETYPE; the machine's f32 peak for benchmarks.
        .target(name: "BLASKernel", dependencies: ["COpenBLAS", "CCPUFeatures"]),
        // bf16 GEMM with f32 accumulation on AVX512_BF16 (vdpbf16ps); callers check the CPU first.
        // Optimised in debug builds too: unoptimised intrinsics run the tests' model decodes
        // an order of magnitude slower and spill the accumulators the kernel is built around.
        .target(name: "CNativeGEMM", cSettings: [.unsafeFlags(["-O2"])]),
        // Softmax, RMSNorm and SwiGLU rows in AVX-512 / AVX2 / portable C, picked at run time.
        .target(name: "CRowKernels", cSettings: [.unsafeFlags(["-O2"])]),

        // Hugging Face checkpoint folders: safetensors, configs, special ids.
        .target(name: "ModelFiles"),
        // Byte-level BPE tokenizers and chat templates.
        .target(name: "Tokenization", dependencies: ["InstallLayout"]),
        // The small protocol decoders and models meet at.
        .target(name: "ModelInterface"),
        // vanilla / ReMDM / RCR / TOLERATOR over ModelInterface; knows nothing of BLAS.
        .target(name: "Decoding", dependencies: ["ModelInterface"]),
        // Isolated execution of untrusted Python; knows nothing of models.
        .target(name: "Sandbox", dependencies: ["CSandboxSpawn", "InstallLayout"]),
        // fork/exec with rlimits, setsid and uid switch: only async-signal-safe calls in the child.
        .target(name: "CSandboxSpawn"),
        // HumanEval/MBPP-format suite and sample JSONL files.
        .target(name: "Suites", dependencies: ["InstallLayout"]),
        // `tolerator eval`: prompts, code extraction, the resumable grid runner and reports.
        .target(name: "Evaluation", dependencies: ["Suites", "Sandbox", "Decoding", "ModelInterface", "Tokenization", "Verified"]),
        // The bidirectional transformer forward pass over OpenBLAS (LogitsModel for every family).
        .target(name: "Inference", dependencies: ["ModelFiles", "ModelInterface", "COpenBLAS", "BLASKernel", "CNativeGEMM", "CRowKernels"]),
        // libgit2 behind one owner class per handle; no C type in its public API.
        .target(name: "GitKit", dependencies: ["CGit2"]),
        // Reads and rewrites Python source (functions, stubs, docstrings) without running Python.
        .target(name: "PythonSource"),
        // `propose`: stub in HEAD -> verified body -> commit on a branch; generation and tests plug in.
        .target(name: "Propose", dependencies: ["GitKit", "PythonSource"]),
        // Draft -> verify against visible tests -> resample or repair: the one attempt loop.
        .target(name: "Verified", dependencies: ["Decoding", "ModelInterface", "Tokenization", "Sandbox", "PythonSource"]),

        .executableTarget(
            name: "tolerator",
            dependencies: [
                "ModelFiles", "Tokenization", "ModelInterface", "Decoding", "Sandbox", "Inference",
                "Suites", "Evaluation", "GitKit", "PythonSource", "Propose", "Verified", "InstallLayout",
                "BLASKernel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The embedded model is read in place (ModelLocation.embedded) or from an install's
            // share/tolerator/minicode (Tools/install.sh), not bundled.
            exclude: ["Resources"]),

        // Helpers shared by test targets (fixture hashes); not part of the product.
        .target(name: "FixtureSupport", path: "Tests/FixtureSupport"),
        .testTarget(name: "ModelFilesTests", dependencies: ["ModelFiles"]),
        // Decoders over the real forward pass on the committed tiny checkpoints.
        .testTarget(name: "EndToEndTests", dependencies: ["Decoding", "Inference", "ModelFiles", "ModelInterface", "FixtureSupport",
                                                   "Tokenization", "BLASKernel"]),
        // Runs the built binary: the commands as a user types them.
        .testTarget(name: "CLITests", dependencies: ["tolerator", "ModelFiles", "Tokenization", "FixtureSupport", "BLASKernel"]),
        .testTarget(
            name: "TokenizationTests", dependencies: ["Tokenization", "FixtureSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "DecodingTests", dependencies: ["Decoding"]),
        .testTarget(name: "BLASKernelTests", dependencies: ["BLASKernel"]),
        .testTarget(name: "VerifiedTests", dependencies: ["Verified", "Decoding", "Sandbox", "PythonSource", "ModelInterface"]),
        .testTarget(name: "GitKitTests", dependencies: ["GitKit", "FixtureSupport"]),
        .testTarget(name: "PythonSourceTests", dependencies: ["PythonSource"]),
        .testTarget(name: "ProposeTests", dependencies: ["Propose", "GitKit", "PythonSource", "FixtureSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Suites", "FixtureSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Suites", "Sandbox", "Decoding", "ModelInterface", "Tokenization"]),
        .testTarget(
            name: "InferenceTests", dependencies: ["Inference", "ModelFiles", "ModelInterface", "FixtureSupport"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
