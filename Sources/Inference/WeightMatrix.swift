import Foundation
import ModelFiles

/// How a matrix's bytes are laid out.
enum WeightLayout: Sendable, Equatable {
    /// Row-major in the stored dtype, as in the checkpoint.
    case rows
    /// The f16 GEMM's panels, packed once at load (`ngemm_f16_pack_weights`); `dtype` stays the
    /// stored one. Only the native-fp16 path reads these.
    case f16Panels
    /// bf16 weights as stored, in the same panel order (`ngemm_bf16_pack_weights`), for the f32
    /// kernel on AVX-512 CPUs (`ngemm_f32_gemm_packed`). Only the f32 path reads these.
    case bf16Panels

    /// Whether the matrix is in one of the packed layouts.
    var isPacked: Bool { self != .rows }
}

/// A row-major `rows × columns` weight matrix kept in its stored dtype.
///
/// Checkpoint matrices point into the read-only mapping (nothing is copied or widened at load);
/// benchmark matrices own their bytes. `owner` keeps either alive. On the native-fp16 path, and
/// on the f32 path of an AVX-512 CPU, a model repacks its matrices once (PackedWeights.swift),
/// and then `layout` says so.
struct WeightMatrix: @unchecked Sendable {
    // @unchecked: the bytes are never written after construction.
    let base: UnsafeRawPointer
    let dtype: DType
    let rows: Int
    let columns: Int
    let owner: AnyObject
    var layout = WeightLayout.rows

    var elementCount: Int { rows * columns }
    var byteCount: Int { elementCount * dtype.byteSize }

    /// float32 rows that BLAS can read in place: f32 data with 4-byte alignment.
    var directFloats: UnsafePointer<Float>? {
        guard dtype == .f32, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else { return nil }
        return base.assumingMemoryBound(to: Float.self)
    }

    /// Widens rows `rowRange` into `destination` (row-major, `columns` wide), exactly.
    func widen(rows rowRange: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(layout == .rows, "a packed weight matrix cannot be widened")
        let start = base + rowRange.lowerBound * columns * dtype.byteSize
        Widening.widen(start, dtype: dtype, count: rowRange.count * columns, into: destination)
    }

    /// The block `rowRange × columnRange` widened into `destination` (row-major, `columnRange.count` wide).
    func widen(rows rowRange: Range<Int>, columns columnRange: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        precondition(layout == .rows, "a packed weight matrix cannot be widened")
        if columnRange.count == columns {
            widen(rows: rowRange, into: destination)
            return
        }
        let size = dtype.byteSize
        for (index, row) in rowRange.enumerated() {
            Widening.widen(base + (row * columns + columnRange.lowerBound) * size, dtype: dtype,
                           count: columnRange.count, into: destination + index * columnRange.count)
        }
    }

    /// Row `row` widened to float32 (embedding lookups).
    func widenRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        widen(rows: row..<(row + 1), into: destination)
    }
}

/// Owned, 64-byte aligned bytes for matrices built in memory (benchmarks, tests).
final class OwnedBytes: @unchecked Sendable {
    // @unchecked: filled once by the creator, then only read.
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
    }

    deinit { pointer.deallocate() }
}

extension WeightMatrix {
    /// A matrix over owned storage filled by `fill` with float32 values, stored as `dtype`.
    static func owned(rows: Int, columns: Int, dtype: DType,
                      fill: (UnsafeMutableBufferPointer<Float>) -> Void) -> WeightMatrix {
        let elements = rows * columns
        let storage = OwnedBytes(count: elements * dtype.byteSize)
        // Fill in chunks so a large 16-bit matrix never needs a full float32 copy.
        let chunk = 1 << 16
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: chunk)
        defer { scratch.deallocate() }
        var offset = 0
        while offset < elements {
            let count = min(chunk, elements - offset)
            let window = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            fill(window)
            for index in 0..<count {
                let value = window[index]
                switch dtype {
                case .f32: storage.pointer.storeBytes(of: value, toByteOffset: (offset + index) * 4, as: Float.self)
                case .bf16: storage.pointer.storeBytes(of: DType.floatToBF16(value), toByteOffset: (offset + index) * 2, as: UInt16.self)
                case .f16: storage.pointer.storeBytes(of: Float16(value).bitPattern, toByteOffset: (offset + index) * 2, as: UInt16.self)
                }
            }
            offset += count
        }
        return WeightMatrix(base: UnsafeRawPointer(storage.pointer), dtype: dtype, rows: rows, columns: columns, owner: storage)
    }
}

/// Exact widening of stored elements to float32, vectorised (this runs once per weight per forward).
enum Widening {
    static func widen(_ source: UnsafeRawPointer, dtype: DType, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .f32: memcpy(destination, source, count * 4)
        case .bf16: bf16(source, count: count, into: destination)
        case .f16: f16(source, count: count, into: destination)
        }
    }

    /// bf16 is the high half of a float32.
    static func bf16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(destination)
        var index = 0
        while index + 16 <= count {
            let halves = source.loadUnaligned(fromByteOffset: index * 2, as: SIMD16<UInt16>.self)
            let words = SIMD16<UInt32>(truncatingIfNeeded: halves) &<< 16
            out.storeBytes(of: words, toByteOffset: index * 4, as: SIMD16<UInt32>.self)
            index += 16
        }
        while index < count {
            destination[index] = DType.bf16ToFloat(source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
            index += 1
        }
    }

    /// IEEE half → float by bit manipulation (no F16C assumed): normals rebias the exponent,
    /// subnormals are renormalised through one float subtraction, Inf/NaN keep an all-ones exponent.
    static func f16(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        let out = UnsafeMutableRawPointer(destination)
        var index = 0
        while index + 8 <= count {
            let halves = SIMD8<UInt32>(truncatingIfNeeded: source.loadUnaligned(fromByteOffset: index * 2, as: SIMD8<UInt16>.self))
            out.storeBytes(of: f16Bits(halves), toByteOffset: index * 4, as: SIMD8<UInt32>.self)
            index += 8
        }
        while index < count {
            destination[index] = DType.f16ToFloat(source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
            index += 1
        }
    }

    @inline(__always)
    static func f16Bits(_ h: SIMD8<UInt32>) -> SIMD8<UInt32> {
        let exponentMask = SIMD8<UInt32>(repeating: 0x7C00 << 13)
        var magnitude = (h & 0x7FFF) &<< 13
        let exponent = magnitude & exponentMask
        magnitude &+= (127 - 15) << 23
        // Inf / NaN: push the exponent to all ones.
        magnitude.replace(with: magnitude &+ ((128 - 16) << 23), where: exponent .== exponentMask)
        // Zero / subnormal: add one to the exponent and subtract 2^-14 as a float.
        let subnormal = exponent .== 0
        let renormalised = unsafeBitCast(
            unsafeBitCast(magnitude &+ (1 << 23), to: SIMD8<Float>.self) - SIMD8<Float>(repeating: 6.103515625e-05),
            to: SIMD8<UInt32>.self)
        magnitude.replace(with: renormalised, where: subnormal)
        return magnitude | ((h & 0x8000) &<< 16)
    }
}
