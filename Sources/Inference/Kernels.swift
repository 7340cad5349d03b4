import CRowKernels
import Foundation

/// Elementwise pieces of the forward pass, float32, matching PyTorch's fp32 formulas. The row
/// work runs in CRowKernels (AVX-512, AVX2 + FMA or portable C, chosen at run time).
enum Kernels {
    /// `x · rsqrt(mean(x²) + eps) · weight` for each of `rows` rows of `width` (in place allowed).
    /// The mean of squares is summed in double, which only removes order noise.
    static func rmsNorm(_ input: UnsafePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                        weight: UnsafePointer<Float>, eps: Float, into output: UnsafeMutablePointer<Float>) {
        rk_rms_norm(input, rows, width, stride ?? width, weight, eps, output)
    }

    /// `y[i] += bias[i % width]` over `rows` rows of `width`.
    static func addBias(_ bias: UnsafePointer<Float>, rows: Int, width: Int, into y: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            let line = y + row * width
            for index in 0..<width { line[index] += bias[index] }
        }
    }

    /// `gate[i] = silu(gate[i]) · up[i]`.
    static func swiGLU(gate: UnsafeMutablePointer<Float>, up: UnsafePointer<Float>, count: Int) {
        rk_swiglu(gate, up, count)
    }

    /// In-place softmax of one row.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        rk_softmax_rows(row, 1, count, count)
    }

    /// In-place softmax of `rows` rows of `count`, `stride` floats apart.
    static func softmax(rows: Int, of row: UnsafeMutablePointer<Float>, count: Int, stride: Int) {
        rk_softmax_rows(row, rows, count, stride)
    }

    /// Runs `body` with the row kernels on path `level` (2 AVX-512, 1 AVX2, 0 portable; capped at
    /// what the CPU has), for tests of each path; `body` gets the level actually used.
    static func withRowKernels<T>(level: Int, _ body: (Int) throws -> T) rethrows -> T {
        let previous = rk_force_level(Int32(level))
        defer { rk_force_level(previous) }
        return try body(Int(rk_level()))
    }

    /// The instruction set the row kernels use: "avx512", "avx2" or "portable".
    static var rowKernelISA: String {
        switch rk_level() {
        case 2: "avx512"
        case 1: "avx2"
        default: "portable"
        }
    }
}

/// Rotate-half RoPE tables for positions 0..<length, computed the way PyTorch does in fp32:
/// `inv_freq = 1 / theta^(2j/D)`, `angle = p · inv_freq` rounded to float, then cos/sin.
struct RotaryTable {
    let headDim: Int
    let length: Int
    private(set) var cosines: [Float]
    private(set) var sines: [Float]

    init(headDim: Int, theta: Double, length: Int) {
        self.headDim = headDim
        self.length = length
        let half = headDim / 2
        let inverse = (0..<half).map { j in 1 / powf(Float(theta), Float(2 * j) / Float(headDim)) }
        cosines = [Float](repeating: 0, count: length * half)
        sines = [Float](repeating: 0, count: length * half)
        for position in 0..<length {
            for j in 0..<half {
                let angle = Float(position) * inverse[j]
                cosines[position * half + j] = cosf(angle)
                sines[position * half + j] = sinf(angle)
            }
        }
    }

    /// Rotates `heads` heads of rows `rows` of `x` (rows of `stride` floats, heads contiguous);
    /// row r is at position `position(r)` (r itself unless a cached forward computes chosen rows).
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Range<Int>, heads: Int, stride: Int,
               position: (Int) -> Int = { $0 }) {
        let half = headDim / 2
        cosines.withUnsafeBufferPointer { cosBuffer in
            sines.withUnsafeBufferPointer { sinBuffer in
                for row in rows {
                    let at = position(row)
                    let c = cosBuffer.baseAddress! + at * half
                    let s = sinBuffer.baseAddress! + at * half
                    for head in 0..<heads {
                        let v = x + row * stride + head * headDim
                        for j in 0..<half {
                            let a = v[j]
                            let b = v[j + half]
                            // q·cos + rotate_half(q)·sin, rotate_half([a, b]) = [-b, a].
                            v[j] = a * c[j] + (-b) * s[j]
                            v[j + half] = b * c[j] + a * s[j]
                        }
                    }
                }
            }
        }
    }
}
