import BLASKernel
import Foundation
import ModelFiles
import Testing
@testable import Inference

/// Weights packed once at load for the f16 kernel (PackedWeights.swift) give the per-call
/// path's results bit for bit: same values, same panels, same summation order.
@Suite(.enabled(if: CPUFeatures.current.supportsFP16FMA, "needs AVX512_FP16")) struct PackedWeightsTests {
    func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    @Test(arguments: [DType.bf16, .f16], NativeGEMMTests.shapes.indices)
    func packedGEMMIsThePerCallGEMMBitForBit(dtype: DType, shape: Int) throws {
        let (m, n, k) = NativeGEMMTests.shapes[shape]
        var generator = SplitMix64(seed: UInt64(shape * 31 + 7))
        let weight = WeightMatrix.owned(rows: n, columns: k, dtype: dtype) { buffer in
            for index in buffer.indices { buffer[index] = generator.nextSymmetric() * 4 }
        }
        let packed = try #require(PackedWeights.pack(weight, into: .f16Panels, threads: 2))
        #expect(packed.layout == .f16Panels && packed.rows == n && packed.columns == k && packed.dtype == dtype)
        let x = (0..<(m * k)).map { _ in generator.nextSymmetric() * 9 }
        let engine = LinearEngine(threads: 2, compute: .nativeFP16)
        for accumulate in [false, true] {
            func product(_ matrix: WeightMatrix) -> [Float] {
                var y = [Float](repeating: 0.25, count: m * n)
                x.withUnsafeBufferPointer { xs in
                    y.withUnsafeMutableBufferPointer {
                        engine.multiply(xs.baseAddress!, rows: m, ldx: k, weight: matrix, into: $0.baseAddress!, ldy: n,
                                        accumulate: accumulate)
                    }
                }
                return y
            }
            let perCall = product(weight), once = product(packed)
            #expect(bits(once) == bits(perCall), "m \(m) n \(n) k \(k) \(dtype) accumulate \(accumulate)")
            #expect(perCall.contains { $0 != 0.25 }, "the GEMM wrote its output")
        }
    }

    @Test func matricesTheKernelDoesNotTakeStayRowMajor() {
        let large = WeightMatrix.owned(rows: 40, columns: 64, dtype: .bf16) { buffer in
            for index in buffer.indices { buffer[index] = index == 77 ? 33 : 0.5 }
        }
        let f32 = WeightMatrix.owned(rows: 40, columns: 64, dtype: .f32) { $0.initialize(repeating: 1) }
        #expect(PackedWeights.pack(large, into: .f16Panels, threads: 2) == nil)
        #expect(PackedWeights.pack(f32, into: .f16Panels, threads: 2) == nil)
        let buffers = NativeGEMMBuffers(path: .nativeBF16, workers: 1)
        let small = WeightMatrix.owned(rows: 32, columns: 64, dtype: .bf16) { $0.initialize(repeating: 0.5) }
        #expect(!buffers.handles(PackedWeights.pack(small, into: .f16Panels, threads: 1)!), "only the f16 kernel reads panels")
    }

    /// Whole models from the parity fixtures (bf16 LLaDA, f16 Dream with biases and the logit
    /// shift): packed at load against per-call packing, every logit bit equal, every projection and
    /// the (untied) head packed, and the checkpoint's released pages read back intact.
    @Test(arguments: ["llada-bf16", "dream-f16"])
    func packedModelsGiveTheSameLogits(directory: String) throws {
        let pair = try PackedFixturePair(fixture: directory, path: .nativeFP16)
        #expect(pair.packed.weights.packedMatrixCount == pair.packableCount)
        #expect(pair.perCall.weights.packedMatrixCount == 0)
        let a = pair.packedLogits
        #expect(bits(a) == bits(pair.perCallLogits))
        // The released mapping still reads the checkpoint's bytes: the f32 path over it agrees.
        let f32 = try TransformerModel(folder: pair.folder, threads: 2, forcing: .f32)
        let reference = try f32.logits(tokens: pair.tokens, positions: Array(pair.tokens.indices)).values
        let worst = zip(a, reference).map { abs($0 - $1) }.max() ?? 0
        let scale = reference.map(abs).max() ?? 1
        #expect(worst <= 0.01 * scale, "native vs f32 within the f16 rounding: \(worst) of \(scale)")
    }

    @Test func releasedPagesReadBackTheFileBytes() throws {
        let url = ParityManifest.root.appendingPathComponent("llada-bf16/model.safetensors")
        let file = try SafeTensorsFile(url: url)
        let largest = try #require(file.tensors.values.max { $0.byteCount < $1.byteCount })
        let bytes = file.bytes(of: largest)
        let before = Array(bytes)
        file.releasePages(of: bytes)
        #expect(Array(bytes) == before)
        #expect(try Data(contentsOf: url).count == file.fileSize)
    }

    /// A checkpoint whose packed copies would not fit the free memory stays mapped and per-call.
    @Test(arguments: ["llada-bf16"])
    func withoutRoomTheWeightsStayMapped(directory: String) throws {
        let folder = try ModelFolder(directory: ParityManifest.root.appendingPathComponent(directory))
        let checkpoint = try folder.openCheckpoint()
        let weights = try TransformerWeights(checkpoint: checkpoint, config: folder.config)
        let bytes = weights.packCandidates.reduce(0) { $0 + $1.byteCount }
        #expect(weights.packed(into: .f16Panels, threads: 2, availableBytes: bytes + PackedWeights.reserveBytes - 1).packedMatrixCount == 0)
        #expect(weights.packed(into: .f16Panels, threads: 2, availableBytes: bytes + PackedWeights.reserveBytes).packedMatrixCount
                == weights.packCandidates.count)
        #expect(weights.packed(into: .f16Panels, threads: 2, availableBytes: nil).packedMatrixCount == weights.packCandidates.count)
    }
}

/// Free memory as packing sees it, from made-up /proc/meminfo and cgroup files.
@Suite struct PackingMemoryTests {
    static let meminfo = "MemTotal:       24683772 kB\nMemFree:        21897340 kB\nMemAvailable:   24195964 kB\n"

    @Test func memAvailableIsReadInKiB() {
        #expect(PackedWeights.availableBytes(meminfo: Self.meminfo, cgroupMax: nil, cgroupCurrent: nil) == 24195964 * 1024)
        #expect(PackedWeights.availableBytes(meminfo: "MemTotal: 5 kB\n", cgroupMax: nil, cgroupCurrent: nil) == nil)
    }

    @Test func aCgroupLimitLowersIt() {
        #expect(PackedWeights.availableBytes(meminfo: Self.meminfo, cgroupMax: "8589934592\n", cgroupCurrent: "1073741824\n")
                == 7 << 30)
        #expect(PackedWeights.availableBytes(meminfo: Self.meminfo, cgroupMax: "max\n", cgroupCurrent: "1073741824\n")
                == 24195964 * 1024)
        #expect(PackedWeights.availableBytes(meminfo: nil, cgroupMax: "4096\n", cgroupCurrent: "8192\n") == 0)
    }

    @Test func packingNeedsItsBytesAndTheReserve() {
        #expect(PackedWeights.shouldPack(bytes: 1 << 30, available: (1 << 30) + PackedWeights.reserveBytes))
        #expect(!PackedWeights.shouldPack(bytes: 1 << 30, available: (1 << 30) + PackedWeights.reserveBytes - 1))
        #expect(PackedWeights.shouldPack(bytes: 1 << 40, available: nil))
    }
}

/// A parity fixture's model on one compute path twice, packed at load and not (`packWeights:
/// false`: per-call packing, or OpenBLAS on the f32 path), with both models' logits at every
/// position of the fixture's first case.
struct PackedFixturePair {
    let folder: ModelFolder
    let packed: TransformerModel
    let perCall: TransformerModel
    let tokens: [Int]
    let packedLogits: [Float]
    let perCallLogits: [Float]

    init(fixture directory: String, path: ComputePath) throws {
        folder = try ModelFolder(directory: ParityManifest.root.appendingPathComponent(directory))
        packed = try TransformerModel(folder: folder, threads: 2, forcing: path)
        perCall = try TransformerModel(folder: folder, threads: 2, forcing: path, packWeights: false)
        tokens = try #require(ParityManifest.load().models.first { $0.directory == directory }).cases[0].ids
        let positions = Array(tokens.indices)
        packedLogits = try packed.logits(tokens: tokens, positions: positions).values
        perCallLogits = try perCall.logits(tokens: tokens, positions: positions).values
    }

    /// Matrices a model may pack: 7 projections per layer, and the head unless tied to the embedding.
    var packableCount: Int {
        7 * packed.weights.layers.count + (packed.weights.head.base == packed.weights.embedding.base ? 0 : 1)
    }
}
