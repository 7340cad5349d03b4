import Foundation

/// Elementwise pieces of the forward pass, float32, matching PyTorch's fp32 formulas.
enum Kernels {
    /// `x · rsqrt(mean(x²) + eps) · weight` for each of `rows` rows of `width` (in place allowed).
    static func rmsNorm(_ input: UnsafePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                        weight: UnsafePointer<Float>, eps: Float, into output: UnsafeMutablePointer<Float>) {
        let step = stride ?? width
        for row in 0..<rows {
            let x = input + row * step
            let y = output + row * step
            var sum: Double = 0
            for index in 0..<width { sum += Double(x[index]) * Double(x[index]) }
            // PyTorch: mean in fp32, then rsqrt(variance + eps); the double sum only removes order noise.
            let variance = Float(sum / Double(width))
            let scale = 1 / (variance + eps).squareRoot()
            for index in 0..<width { y[index] = weight[index] * (x[index] * scale) }
        }
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
        var index = 0
        let g = UnsafeMutableRawPointer(gate)
        let u = UnsafeRawPointer(up)
        while index + 8 <= count {
            let x = g.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            let v = u.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self)
            let silu = x / (1 + FastMath.exp(-x))
            g.storeBytes(of: silu * v, toByteOffset: index * 4, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            let x = gate[index]
            gate[index] = x / (1 + Foundation.exp(-x)) * up[index]
            index += 1
        }
    }

    /// In-place softmax of one row.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for index in 0..<count { maximum = max(maximum, row[index]) }
        let raw = UnsafeMutableRawPointer(row)
        var sums = SIMD8<Float>(repeating: 0)
        var index = 0
        let shift = SIMD8<Float>(repeating: maximum)
        while index + 8 <= count {
            let e = FastMath.exp(raw.loadUnaligned(fromByteOffset: index * 4, as: SIMD8<Float>.self) - shift)
            raw.storeBytes(of: e, toByteOffset: index * 4, as: SIMD8<Float>.self)
            sums += e
            index += 8
        }
        var sum = sums.sum()
        while index < count {
            let e = Foundation.exp(row[index] - maximum)
            row[index] = e
            sum += e
            index += 1
        }
        let inverse = 1 / sum
        for index in 0..<count { row[index] *= inverse }
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

/// A vectorised expf good to a few ulp (Cephes polynomial with Cody–Waite reduction).
enum FastMath {
    @inline(__always)
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        // Clamp with masks: the generic `clamped` is not inlined.
        var x = input
        x.replace(with: -87, where: x .< -87)
        x.replace(with: 88, where: x .> 88)
        let magic = SIMD8<Float>(repeating: 12_582_912) // 1.5·2²³: adding it rounds to an integer
        let shifted = x * 1.442_695_040_888_963_4 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        // The integer n sits in the low mantissa bits of `shifted`.
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD8<Float>.self)
        return y * scale
    }
}
