import CNativeGEMM
import Foundation
import ModelFiles

/// The words of one packed matrix, 64-byte aligned.
final class PackedPanels {
    let words: UnsafeMutablePointer<UInt32>

    init(count: Int) {
        words = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
            .bindMemory(to: UInt32.self, capacity: max(count, 1))
    }

    deinit { words.deallocate() }
}

/// Weights packed once at load. On the native-fp16 path (`.f16Panels`): the per-call packing
/// (bf16 → f16 and a 32-row transpose per panel) is paid again by every GEMM whatever its row
/// count, so a cached decode step's 32 rows spent about a quarter of the kernel's time on it; the
/// packed matrices hold the same values in the same order, so results are bit-for-bit those of
/// the per-call path. On the f32 path of an AVX-512 CPU (`.bf16Panels`, bf16 matrices): the f32
/// kernel widens in registers, where widening a tile and letting OpenBLAS pack it cost every GEMM
/// a pass over its weights.
///
/// Memory: a checkpoint matrix is packed into new memory and its mapped pages are then released
/// (they fault back from the file if anything reads them), so a loaded model holds about one copy;
/// the peak is one matrix above that.
enum PackedWeights {
    /// Rows per strip in the packed layout: worker slices must start on a strip.
    static let stripRows = 32
    /// Source bytes packed between page releases.
    static let chunkBytes = 8 << 20

    /// Whether `matrix` can be packed into `layout`: `.f16Panels` where the f16 kernel takes it
    /// (NativeGEMMBuffers.f16KernelTakes: 16-bit, every |w| within its limit; call only where the
    /// CPU has AVX512_FP16), `.bf16Panels` for bf16 (call only where it has AVX512F).
    static func accepts(_ matrix: WeightMatrix, into layout: WeightLayout) -> Bool {
        guard matrix.layout == .rows, matrix.rows > 0, matrix.columns > 0 else { return false }
        switch layout {
        case .rows: return false
        case .f16Panels: return NativeGEMMBuffers.f16KernelTakes(matrix)
        case .bf16Panels: return matrix.dtype == .bf16
        }
    }

    /// `matrix` packed into `layout` (`ngemm_f16_pack_weights` or `ngemm_bf16_pack_weights`),
    /// or nil where `accepts` says no.
    static func pack(_ matrix: WeightMatrix, into layout: WeightLayout, threads: Int) -> WeightMatrix? {
        guard accepts(matrix, into: layout) else { return nil }
        let source = matrix.base.assumingMemoryBound(to: UInt16.self)
        let isBF16: Int32 = matrix.dtype == .bf16 ? 1 : 0
        let storage = PackedPanels(count: ngemm_f16_packed_words(Int32(matrix.rows), Int32(matrix.columns)))
        let (rows, columns) = (matrix.rows, matrix.columns)
        let pairs = (columns + 1) / 2
        let strips = (rows + stripRows - 1) / stripRows
        let file = matrix.owner as? SafeTensorsFile
        // A few MiB of source at a time, its mapped pages released as soon as they are packed, so
        // the peak stays one chunk (not one whole matrix, 64 MiB for a small model's LM head) above
        // a single copy.
        let chunkStrips = max(1, chunkBytes / (stripRows * columns * 2))
        for chunk in stride(from: 0, to: strips, by: chunkStrips) {
            let chunkEnd = min(chunk + chunkStrips, strips)
            Parallel.ranges(chunkEnd - chunk, workers: threads) { range in
                let first = (chunk + range.lowerBound) * stripRows
                let count = min((chunk + range.upperBound) * stripRows, rows) - first
                if layout == .f16Panels {
                    ngemm_f16_pack_weights(source + first * columns, isBF16, columns, Int32(count), Int32(columns),
                                           storage.words + first * pairs)
                } else {
                    ngemm_bf16_pack_weights(source + first * columns, columns, Int32(count), Int32(columns),
                                            storage.words + first * pairs)
                }
            }
            let firstRow = chunk * stripRows, endRow = min(chunkEnd * stripRows, rows)
            file?.releasePages(of: UnsafeRawBufferPointer(start: matrix.base + firstRow * columns * 2,
                                                          count: (endRow - firstRow) * columns * 2))
        }
        // Pages that straddled two chunks.
        file?.releasePages(of: UnsafeRawBufferPointer(start: matrix.base, count: matrix.byteCount))
        return WeightMatrix(base: storage.words, dtype: matrix.dtype, rows: rows, columns: columns, owner: storage,
                            layout: layout)
    }
}

extension PackedWeights {
    /// Memory kept free beside the packed copies (activations, workspace, the process itself).
    static let reserveBytes = 512 << 20

    /// Whether `bytes` of packed copies fit `available` bytes with the reserve to spare. Packed
    /// copies are anonymous memory, while the mapped checkpoint they replace could be dropped and
    /// re-read by the kernel under pressure: a checkpoint close to the machine's memory stays
    /// mapped (and packs per call, as before) rather than risk the OOM killer. Unknown: pack.
    static func shouldPack(bytes: Int, available: Int?) -> Bool {
        guard let available else { return true }
        return bytes + reserveBytes <= available
    }

    /// Bytes this process can still take: MemAvailable from /proc/meminfo (it counts the
    /// checkpoint's cached pages, which packing releases), lowered by a cgroup v2 memory limit.
    static func availableBytes(meminfo: String?, cgroupMax: String?, cgroupCurrent: String?) -> Int? {
        var available: Int?
        for line in (meminfo ?? "").split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Int(fields[1]) { available = kib * 1024 }
        }
        let trimmed = { (text: String?) in text?.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let limit = trimmed(cgroupMax).flatMap(Int.init), let used = trimmed(cgroupCurrent).flatMap(Int.init) {
            let room = max(0, limit - used)
            available = min(available ?? room, room)
        }
        return available
    }

    /// availableBytes for this process, from /proc and /sys/fs/cgroup.
    static func availableBytes() -> Int? {
        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
        return availableBytes(meminfo: read("/proc/meminfo"), cgroupMax: read("/sys/fs/cgroup/memory.max"),
                              cgroupCurrent: read("/sys/fs/cgroup/memory.current"))
    }
}

extension TransformerWeights {
    /// The matrices `packed(into:)` may pack: every projection, and the LM head unless it is the
    /// embedding (lookups read the embedding's rows).
    var packCandidates: [WeightMatrix] {
        layers.flatMap(\.projections) + (head.base != embedding.base ? [head] : [])
    }

    /// Every projection and the LM head packed into `layout` where it takes them, when their
    /// copies fit `availableBytes` (PackedWeights.shouldPack); else self, unchanged.
    func packed(into layout: WeightLayout, threads: Int,
                availableBytes: Int? = PackedWeights.availableBytes()) -> TransformerWeights {
        let dtypes: Set<DType> = layout == .bf16Panels ? [.bf16] : [.bf16, .f16]
        let bytes = packCandidates.filter { dtypes.contains($0.dtype) }.reduce(0) { $0 + $1.byteCount }
        guard layout.isPacked, PackedWeights.shouldPack(bytes: bytes, available: availableBytes) else { return self }
        func pack(_ matrix: WeightMatrix) -> WeightMatrix {
            PackedWeights.pack(matrix, into: layout, threads: threads) ?? matrix
        }
        var packed = self
        packed.layers = layers.map { $0.mappingProjections(pack) }
        if head.base != embedding.base { packed.head = pack(head) }
        return packed
    }

    /// Matrices in the packed layout (reports and tests).
    var packedMatrixCount: Int { packCandidates.filter(\.layout.isPacked).count }
}
