import ArgumentParser
import Foundation
import Inference
import ModelFiles

/// `tolerator bench forward`: forward time of a random model against same-run sgemm.
struct BenchForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Time one forward pass of a random in-memory model and compare with OpenBLAS sgemm.",
        discussion: """
            Prints the median ms per forward, achieved GFLOP/s (engines.md §5 formula), OpenBLAS \
            sgemm timed in the same run on the same GEMM shapes with f32 operands and the same \
            threads, and the ratio; the OpenBLAS core in use; and the share of the physical f32 \
            peak (cores × measured clock × FLOP per cycle of the CPU's widest units, two FMA ports \
            assumed), which, unlike the sgemm ratio, shows a weak kernel. The LM head is computed \
            for the last --rows positions (default: all positions). Shapes: \(BenchmarkShapes.names.joined(separator: ", ")).

            To time this machine as an AVX2-only CPU (e.g. beside an AVX2 build of llama.cpp): \
            OPENBLAS_CORETYPE=Haswell TOLERATOR_MAX_ISA=avx2 tolerator bench forward --compute f32 ...
            """)

    @Option(help: "Model shape.")
    var shape = "qwen2.5-0.5b"

    @Option(help: ArgumentHelp("Time this checkpoint folder instead of a random --shape (its dtype; --dtype is ignored).",
                               valueName: "dir"))
    var model: String?

    @Option(parsing: .unconditional, help: "Sequence length (prompt + canvas).")
    var length = 512

    @Option(parsing: .unconditional, help: "LM-head rows per forward: the last N positions (default: all).")
    var rows: Int?

    @Option(parsing: .unconditional, help: "Compute threads (OpenBLAS threads and attention workers).")
    var threads = 2

    @Option(help: "Stored weight dtype: bf16, f16 or f32.")
    var dtype = "bf16"

    @Option(parsing: .unconditional, help: "Timed forwards (after one warm-up).")
    var iterations = 3

    @Option(parsing: .unconditional, help: "Floats per widening tile (16-bit weights), for tuning.")
    var tileElements: Int?

    @Option(help: "GEMM threading: workers (W's rows split among workers, 1-thread sgemm each) or blas.")
    var gemmMode = "workers"

    @Option(help: ComputeOption.help)
    var compute: ComputeRequest = .auto

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        try OptionRange.check("--length", length, in: OptionRange.tokens)
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
        try OptionRange.check("--iterations", iterations, in: OptionRange.repetitions)
        guard DType(rawValue: dtype.uppercased()) != nil else { throw ValidationError("--dtype must be bf16, f16 or f32") }
        try OptionRange.check("--rows", rows, in: 0...length)
        try OptionRange.check("--tile-elements", tileElements, in: OptionRange.tileElements)
        guard ["workers", "blas"].contains(gemmMode) else { throw ValidationError("--gemm-mode must be workers or blas") }
    }

    func run() throws {
        let benchmark = ForwardBenchmark(
            shape: shape, length: length, threads: threads, dtype: DType(rawValue: dtype.uppercased())!,
            rows: rows ?? length, iterations: iterations, tileElements: tileElements,
            gemmMode: gemmMode, compute: compute, modelDirectory: model.map { URL(fileURLWithPath: $0) })
        let report = try benchmark.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        print("shape \(report.shape), length \(report.length), head rows \(report.rows) (last positions), "
              + "threads \(report.threads), weights \(report.dtype), gemm mode \(report.gemmMode)")
        print("forward: median \(f(report.medianForwardMilliseconds)) ms of \(report.forwardMilliseconds.map { f($0) }), "
              + "\(f(report.gflopPerForward)) GFLOP → \(f(report.achievedGFLOPs)) GFLOP/s")
        print("compute: \(report.compute) (\(report.computeNote))")
        if let f32 = report.f32MedianMs, let speedup = report.nativeSpeedup {
            print("f32 path, same run and weights: median \(f(f32)) ms; native is \(f(speedup, 2))× the f32 speed"
                  + (report.nativeSpeedupCPU.map { " (\(f($0, 2))× in process CPU time)" } ?? ""))
        }
        print("widening 16-bit weights once: \(f(report.widenMilliseconds)) ms per forward")
        print("same-run sgemm (f32, \(report.threads) threads):")
        for gemm in report.gemms {
            print("  \(gemm.what.padding(toLength: 22, withPad: " ", startingAt: 0)) M \(gemm.m) N \(gemm.n) K \(gemm.k) "
                  + "×\(gemm.count): \(f(gemm.medianMilliseconds, 2)) ms, \(f(gemm.gflops)) GFLOP/s")
        }
        print("sgemm-only forward: \(f(report.sgemmMilliseconds)) ms → \(f(report.sgemmGFLOPs)) GFLOP/s")
        print("ratio (achieved / sgemm): \(f(report.ratio * 100)) %")
        print("kernel: OpenBLAS \(report.kernel) (\(report.kernelNote)); row kernels \(report.rowKernels)")
        // f32 GEMMs on bf16 panels packed at load use the own AVX-512 kernel, the rest OpenBLAS.
        let f32Packed = report.compute == "f32" ? report.packedMatrices : report.f32PackedMatrices
        if report.compute != "f32" {
            print("weights packed at load: \(report.packedMatrices) of \(report.packableMatrices) matrices")
        }
        if let f32Packed {
            print("f32 path: " + (f32Packed > 0
                ? "own AVX-512 kernel on \(f32Packed) of \(report.packableMatrices) matrices (bf16 packed at load); OpenBLAS for attention and any other weight"
                : "16-bit weights widened tile by tile for OpenBLAS sgemm"))
        }
        print("physical f32 peak: \(report.peak.cores) core(s) × \(f(report.peak.clockGHz, 2)) GHz × "
              + "\(report.peak.flopsPerCycle) FLOP/cycle = \(f(report.peakGFLOPs)) GFLOP/s; forward reaches \(f(report.peakShare * 100)) %")
        if report.fmaPeakGFLOPs > 0 {
            print("measured FMA throughput: \(f(report.fmaPeakGFLOPs)) GFLOP/s on \(report.peak.cores) core(s); "
                  + "forward reaches \(f(report.fmaPeakShare * 100)) %")
        }
        let rates = report.throughput
        if rates.fp16FMAGFLOPs > 0 || rates.bf16DotGFLOPs > 0 {
            print("16-bit units, measured per core: f16 FMA \(f(rates.fp16FMAGFLOPs)), bf16 dot \(f(rates.bf16DotGFLOPs)), "
                  + "f32 FMA \(f(rates.f32FMAGFLOPs)) GFLOP/s")
        }
        print("process CPU time: forward \(f(report.medianForwardCPUMilliseconds)) ms, sgemm-only "
              + "\(f(report.sgemmCPUMilliseconds)) ms, ratio \(f(report.cpuRatio * 100)) % (less sensitive to other load)")
    }
}
