import BLASKernel
import Foundation
import ModelFiles

/// `tolerator bench forward`: one random model, its forward time, and OpenBLAS sgemm timed in
/// the same run on exactly the GEMMs that forward performs (f32 operands, same threads).
public struct ForwardBenchmark: Sendable {
    public var shape: String
    public var length: Int
    public var threads: Int
    public var dtype: DType
    /// LM-head rows requested per forward: the last `rows` positions (the canvas).
    public var rows: Int
    public var iterations: Int
    /// Floats per widening tile (nil: the engine's default).
    public var tileElements: Int?
    /// "workers" (default: rows of W split among workers, 1-thread sgemm each) or "blas"
    /// (OpenBLAS's own threads per GEMM), to compare the two in one build.
    public var gemmMode: String
    /// `--compute`: when it resolves to native, the f32 path is timed in the same run too.
    public var compute: ComputeRequest
    /// A checkpoint folder to time instead of the random `shape` (its own dtype), e.g. the one
    /// Tools/sidebyside writes for llama.cpp too.
    public var modelDirectory: URL?

    public init(shape: String, length: Int, threads: Int, dtype: DType, rows: Int, iterations: Int,
                tileElements: Int? = nil, gemmMode: String = "workers", compute: ComputeRequest = .auto,
                modelDirectory: URL? = nil) {
        self.gemmMode = gemmMode
        self.compute = compute
        self.modelDirectory = modelDirectory
        self.shape = shape
        self.length = length
        self.threads = threads
        self.dtype = dtype
        self.rows = rows
        self.iterations = iterations
        self.tileElements = tileElements
    }

    public struct GEMMTiming: Sendable, Codable {
        public var what: String
        public var m: Int, n: Int, k: Int
        public var count: Int
        public var medianMilliseconds: Double
        /// Process CPU time (all threads) of the median run: robust to other processes' load.
        public var cpuMilliseconds: Double
        public var gflops: Double
    }

    public struct Report: Sendable, Codable {
        public var shape: String
        public var length: Int
        public var rows: Int
        public var threads: Int
        public var dtype: String
        public var gemmMode: String
        public var gflopPerForward: Double
        public var forwardMilliseconds: [Double]
        public var medianForwardMilliseconds: Double
        public var medianForwardCPUMilliseconds: Double
        public var achievedGFLOPs: Double
        /// Widening every 16-bit weight once into the tile buffer (0 for f32 weights).
        public var widenMilliseconds: Double
        public var gemms: [GEMMTiming]
        /// Σ count × median over `gemms`: the forward's time if it were nothing but sgemm.
        public var sgemmMilliseconds: Double
        public var sgemmGFLOPs: Double
        public var sgemmCPUMilliseconds: Double
        /// achieved / sgemm GFLOP/s (= sgemm time / forward time).
        public var ratio: Double
        /// The same ratio in process CPU time.
        public var cpuRatio: Double
        /// The OpenBLAS core that ran (both the forward and the sgemm reference), and how it was chosen.
        public var kernel: String
        public var kernelNote: String
        /// f32 peak of the cores this run may use (min(threads, physical cores)); unlike `ratio`
        /// it does not move with the kernel, so a weak kernel shows as a low share.
        public var peak: MachinePeak
        public var peakGFLOPs: Double
        /// achieved GFLOP/s / peak GFLOP/s.
        public var peakShare: Double
        /// cores × measured FMA throughput (see MachinePeak), and the share of it.
        public var fmaPeakGFLOPs: Double
        public var fmaPeakShare: Double
        /// Issue 18's names for the median and the achieved rate (the older keys stay).
        public var medianMs: Double
        public var gflops: Double
        /// "f32" or "native-bf16", and why.
        public var compute: String
        public var computeNote: String
        /// Measured per-core f32 FMA and bf16 dot rates (0 where a unit is missing).
        public var throughput: VectorThroughput
        /// When compute is native: the f32 path's median in the same run, and f32 ms / native ms.
        public var f32MedianMs: Double?
        public var nativeSpeedup: Double?
        /// The same comparison in process CPU time (all threads), less moved by other load.
        public var f32MedianCPUMs: Double?
        public var nativeSpeedupCPU: Double?
        /// The instruction set of the softmax, RMSNorm and SwiGLU rows: avx512, avx2 or portable
        /// (TOLERATOR_MAX_ISA caps it).
        public var rowKernels: String
        /// Weight matrices packed at load (PackedWeights.swift), of those that may be: f16 panels on
        /// native-fp16, bf16 panels for the f32 kernel on the f32 path of an AVX-512 CPU.
        public var packedMatrices: Int
        public var packableMatrices: Int
        /// The same count for the f32 path timed beside a native one.
        public var f32PackedMatrices: Int?

        /// Existing keys keep their names; the kernel and peak keys are the ones issue 18 names.
        enum CodingKeys: String, CodingKey {
            case shape, length, rows, threads, dtype, gemmMode, gflopPerForward, forwardMilliseconds
            case medianForwardMilliseconds, medianForwardCPUMilliseconds, achievedGFLOPs, widenMilliseconds
            case gemms, sgemmMilliseconds, sgemmGFLOPs, sgemmCPUMilliseconds, ratio, cpuRatio
            case kernel
            case kernelNote = "kernel_note"
            case peak
            case peakGFLOPs = "peak_gflops"
            case peakShare = "peak_share"
            case fmaPeakGFLOPs = "fma_peak_gflops"
            case fmaPeakShare = "fma_peak_share"
            case medianMs = "median_ms"
            case gflops, compute
            case computeNote = "compute_note"
            case throughput
            case f32MedianMs = "f32_median_ms"
            case nativeSpeedup = "native_speedup"
            case f32MedianCPUMs = "f32_median_cpu_ms"
            case nativeSpeedupCPU = "native_speedup_cpu"
            case rowKernels = "row_kernels"
            case packedMatrices = "packed_matrices"
            case packableMatrices = "packable_matrices"
            case f32PackedMatrices = "f32_packed_matrices"
        }
    }

    public func run() throws -> Report {
        let tileElements = self.tileElements ?? LinearEngine.defaultTileElements
        guard threads >= 1 else { throw InferenceError.invalidThreadCount(threads) }
        let weights: TransformerWeights
        if let modelDirectory {
            let folder = try ModelFolder(directory: modelDirectory)
            weights = try TransformerWeights(checkpoint: try folder.openCheckpoint(), config: folder.config)
        } else {
            weights = TransformerWeights(randomFor: try BenchmarkShapes.config(named: shape), dtype: dtype, seed: 42)
        }
        let config = weights.config
        let rows = min(max(self.rows, 0), length)
        guard let mode = LinearEngine.Mode(rawValue: gemmMode) else {
            throw InferenceError.unknownShape(name: "gemm mode \(gemmMode)", known: ["workers", "blas"])
        }
        let model = try TransformerModel(weights: weights, threads: threads, tileElements: tileElements, mode: mode,
                                         compute: compute)
        var generator = SplitMix64(seed: 7)
        let tokens = (0..<length).map { _ in Int(generator.next() % UInt64(config.vocabularySize)) }
        let positions = Array((length - rows)..<length)
        // With native compute, the f32 path on the same weights is timed in the same run,
        // alternating forward by forward so both see the same background load.
        let reference = model.compute.path == .f32 ? nil : try TransformerModel(
            weights: weights, threads: threads, tileElements: tileElements, mode: mode, compute: .f32)
        let models = [model] + (reference.map { [$0] } ?? [])
        var timings = [[Timing]](repeating: [], count: models.count)
        for candidate in models { candidate.recycle(try candidate.logits(tokens: tokens, positions: positions)) }  // warm-up
        for _ in 0..<max(1, iterations) {
            for (index, candidate) in models.enumerated() {
                var failure: Error?
                timings[index].append(Self.measure {
                    // Handed back as a decoding session does, so the next forward reuses the block.
                    do { candidate.recycle(try candidate.logits(tokens: tokens, positions: positions)) } catch { failure = error }
                })
                if let failure { throw failure }
            }
        }
        let runs = timings[0]
        let f32Median = reference == nil ? nil : Self.median(timings[1].map(\.wall))
        let f32CPU = reference == nil ? nil : Self.median(timings[1].map(\.cpu))
        let times = runs.map(\.wall)
        let widen = widenMilliseconds(weights, tileElements: tileElements)
        // With fewer LM-head rows than positions the last layer runs queries and MLP for them only.
        let flops = ForwardFLOPs(config: config, length: length, computed: length, lastQueries: rows, rows: rows)
        let gemms = referenceGEMMs(config: config, rows: rows)
        let sgemmMilliseconds = gemms.reduce(0) { $0 + Double($1.count) * $1.medianMilliseconds }
        let sgemmCPU = gemms.reduce(0) { $0 + Double($1.count) * $1.cpuMilliseconds }
        let median = Self.median(times)
        let cpu = Self.median(runs.map(\.cpu))
        let kernel = KernelInUse.current
        var peak = MachinePeak.measure()
        peak.cores = min(peak.cores, threads)
        let achieved = flops.total / median / 1e6
        return Report(
            shape: modelDirectory?.path ?? shape, length: length, rows: rows, threads: threads, dtype: weights.head.dtype.rawValue,
            gemmMode: gemmMode, gflopPerForward: flops.total / 1e9, forwardMilliseconds: times, medianForwardMilliseconds: median,
            medianForwardCPUMilliseconds: cpu,
            achievedGFLOPs: achieved, widenMilliseconds: widen, gemms: gemms,
            sgemmMilliseconds: sgemmMilliseconds, sgemmGFLOPs: flops.total / sgemmMilliseconds / 1e6,
            sgemmCPUMilliseconds: sgemmCPU, ratio: sgemmMilliseconds / median, cpuRatio: sgemmCPU / cpu,
            kernel: kernel.name, kernelNote: kernel.note, peak: peak, peakGFLOPs: peak.gflops,
            peakShare: peak.gflops > 0 ? achieved / peak.gflops : 0, fmaPeakGFLOPs: peak.measuredFMAGFLOPs,
            fmaPeakShare: peak.measuredFMAGFLOPs > 0 ? achieved / peak.measuredFMAGFLOPs : 0,
            medianMs: median, gflops: achieved, compute: model.compute.path.rawValue, computeNote: model.compute.note,
            throughput: .current, f32MedianMs: f32Median, nativeSpeedup: f32Median.map { $0 / median },
            f32MedianCPUMs: f32CPU, nativeSpeedupCPU: f32CPU.map { $0 / cpu }, rowKernels: Kernels.rowKernelISA,
            packedMatrices: model.weights.packedMatrixCount, packableMatrices: model.weights.packCandidates.count,
            f32PackedMatrices: reference?.weights.packedMatrixCount)
    }

    private func widenMilliseconds(_ weights: TransformerWeights, tileElements: Int) -> Double {
        guard dtype != .f32 else { return 0 }
        let engine = LinearEngine(threads: threads, tileElements: tileElements)
        let matrices = weights.layers.flatMap(\.projections) + [weights.head]
        let start = DispatchTime.now().uptimeNanoseconds
        for matrix in matrices { engine.widenAll(matrix) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    /// Every distinct GEMM of one forward, timed with f32 operands at `threads` threads.
    private func referenceGEMMs(config c: ModelConfig, rows: Int) -> [GEMMTiming] {
        let d = c.hiddenSize, ff = c.intermediateSize, layers = c.layerCount
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        let l = length
        // The last layer computes queries, attention and MLP only for the LM-head rows.
        let trimmed = rows < l
        let full = trimmed ? layers - 1 : layers
        var shapes: [(String, Int, Int, Int, Int)] = [
            ("q", l, qWidth, d, full), ("k+v", l, kvWidth, d, 2 * layers), ("o", l, d, qWidth, full),
            ("gate+up", l, ff, d, 2 * full), ("down", l, d, ff, full),
        ]
        if trimmed && rows > 0 {
            shapes += [("last layer q", rows, qWidth, d, 1), ("last layer o", rows, d, qWidth, 1),
                       ("last layer gate+up", rows, ff, d, 2), ("last layer down", rows, d, ff, 1)]
        }
        if rows > 0 { shapes.append(("lm head", rows, c.vocabularySize, d, 1)) }
        BLASThreads.set(threads)
        var timings = shapes.map { what, m, n, k, count in
            let timing = timeGEMM(m: m, n: n, k: k, repeats: max(3, iterations))
            return GEMMTiming(what: what, m: m, n: n, k: k, count: count, medianMilliseconds: timing.wall,
                              cpuMilliseconds: timing.cpu,
                              gflops: 2 * Double(m) * Double(n) * Double(k) / timing.wall / 1e6)
        }
        var attention = attentionGEMMs(config: c)
        attention.count = full
        timings.append(attention)
        if trimmed && rows > 0 {
            // The last layer's rows × L scores: the full layer's time scaled by rows / L.
            let share = Double(rows) / Double(l)
            timings.append(GEMMTiming(what: "last layer attention", m: rows, n: l, k: attention.k, count: 1,
                                      medianMilliseconds: attention.medianMilliseconds * share,
                                      cpuMilliseconds: attention.cpuMilliseconds * share, gflops: attention.gflops))
        }
        return timings
    }

    /// One layer's attention GEMMs (QKᵀ and PV for every head), timed both as parallel
    /// single-threaded heads (how the engine runs them) and as threaded calls; the faster counts.
    private func attentionGEMMs(config c: ModelConfig) -> GEMMTiming {
        let l = length, dh = c.headDim, heads = c.headCount
        let q = Self.randomBuffer(l * dh), k = Self.randomBuffer(l * dh), v = Self.randomBuffer(l * dh)
        let workers = max(1, min(threads, heads))
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: workers * l * l)
        let out = UnsafeMutablePointer<Float>.allocate(capacity: workers * l * dh)
        defer { [q, k, v, scores, out].forEach { $0.deallocate() } }
        func oneHead(_ s: UnsafeMutablePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
            sgemm(l, l, dh, q, dh, k, dh, 0, s, l)
            sgemmNN(l, dh, l, s, l, v, dh, 0, o, dh)
        }
        let parallel = Self.medianTiming((0..<max(3, iterations)).map { _ in
            Self.measure {
                BLASThreads.set(1)
                Parallel.forEach(workers) { worker in
                    for _ in stride(from: worker, to: heads, by: workers) {
                        oneHead(scores + worker * l * l, out + worker * l * dh)
                    }
                }
                BLASThreads.set(threads)
            }
        })
        let threaded = Self.medianTiming((0..<max(3, iterations)).map { _ in
            Self.measure { for _ in 0..<heads { oneHead(scores, out) } }
        })
        let best = parallel.wall <= threaded.wall ? parallel : threaded
        let flops = 4 * Double(l) * Double(l) * Double(dh) * Double(heads)
        return GEMMTiming(what: "attention (\(heads) heads)", m: l, n: l, k: dh, count: c.layerCount,
                          medianMilliseconds: best.wall, cpuMilliseconds: best.cpu, gflops: flops / best.wall / 1e6)
    }

    /// The faster of OpenBLAS's own `threads` threads and the columns split among `threads`
    /// single-threaded calls, so the reference is the best this OpenBLAS does at the shape.
    private func timeGEMM(m: Int, n: Int, k: Int, repeats: Int) -> Timing {
        let a = Self.randomBuffer(m * k), b = Self.randomBuffer(n * k)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        BLASThreads.set(threads)
        sgemm(m, n, k, a, k, b, k, 0, c, n)
        let threaded = Self.medianTiming((0..<repeats).map { _ in Self.measure { sgemm(m, n, k, a, k, b, k, 0, c, n) } })
        BLASThreads.set(1)
        let workers = max(1, min(threads, n / 16))
        let per = ((n + workers - 1) / workers + 15) / 16 * 16
        func split() {
            Parallel.forEach(workers) { worker in
                let lower = worker * per, upper = min(n, lower + per)
                if lower < upper { sgemm(m, upper - lower, k, a, k, b + lower * k, k, 0, c + lower, n) }
            }
        }
        split()
        let parallel = Self.medianTiming((0..<repeats).map { _ in Self.measure(split) })
        BLASThreads.set(threads)
        return parallel.wall < threaded.wall ? parallel : threaded
    }

    private static func randomBuffer(_ count: Int) -> UnsafeMutablePointer<Float> {
        var generator = SplitMix64(seed: UInt64(count))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        for index in 0..<count { buffer[index] = generator.nextSymmetric() }
        return buffer
    }

    struct Timing {
        var wall: Double
        var cpu: Double
    }

    /// Wall and process CPU milliseconds of `body`.
    private static func measure(_ body: () -> Void) -> Timing {
        let cpuStart = cpuNanoseconds()
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        return Timing(wall: wall, cpu: Double(cpuNanoseconds() - cpuStart) / 1e6)
    }

    private static func cpuNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The run with the median wall time.
    private static func medianTiming(_ timings: [Timing]) -> Timing {
        timings.sorted { $0.wall < $1.wall }[timings.count / 2]
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
