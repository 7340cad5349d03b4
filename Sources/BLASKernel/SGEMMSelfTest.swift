import COpenBLAS

/// sgemm of the loaded core against a double-precision loop, on the shapes that trip kernels:
/// edges smaller than a register block, odd sizes, leading dimensions larger than the row,
/// both transposes the engine uses (NT for weights, NN for attention), beta 0 and 1, and both
/// single-threaded and threaded OpenBLAS.
public enum SGEMMSelfTest {
    struct Case {
        var m: Int, n: Int, k: Int
        var transposeB: Bool
        var alpha: Float, beta: Float
        var pad: Int
    }

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1, transposeB: true, alpha: 1, beta: 0, pad: 0),
        Case(m: 7, n: 13, k: 5, transposeB: true, alpha: 1, beta: 1, pad: 3),
        Case(m: 33, n: 65, k: 17, transposeB: false, alpha: 0.5, beta: 0, pad: 1),
        Case(m: 64, n: 64, k: 64, transposeB: true, alpha: 1, beta: 0, pad: 0),
        Case(m: 129, n: 67, k: 257, transposeB: true, alpha: 1, beta: 1, pad: 5),
        Case(m: 1, n: 300, k: 96, transposeB: true, alpha: 1, beta: 0, pad: 0),
        Case(m: 200, n: 3, k: 130, transposeB: false, alpha: 1, beta: 1, pad: 2),
        Case(m: 96, n: 160, k: 200, transposeB: false, alpha: 1, beta: 0, pad: 0),
        Case(m: 140, n: 130, k: 150, transposeB: true, alpha: 1, beta: 0, pad: 0),
        // k beyond one K-panel of every 0.3.21 x86 core, so panel accumulation is exercised.
        Case(m: 20, n: 24, k: 520, transposeB: true, alpha: 1, beta: 1, pad: 0),
    ]

    /// Runs every case with 1 and with `threads` OpenBLAS threads; throws the first mismatch.
    public static func run(threads: Int) throws(KernelError) {
        var generator: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            generator = generator &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: generator >> 11) % 2001 - 1000) / 1000
        }
        for threadCount in Set([1, max(1, threads)]).sorted() {
            openblas_set_num_threads(Int32(threadCount))
            for test in cases { try check(test, threads: threadCount, next) }
        }
    }

    private static func check(_ t: Case, threads: Int, _ next: () -> Float) throws(KernelError) {
        let lda = t.k + t.pad
        let ldb = (t.transposeB ? t.k : t.n) + t.pad
        let ldc = t.n + t.pad
        let bRows = t.transposeB ? t.n : t.k
        let a = (0..<(t.m * lda)).map { _ in next() }
        let b = (0..<(bRows * ldb)).map { _ in next() }
        let c0 = (0..<(t.m * ldc)).map { _ in next() }
        var c = c0
        cblas_sgemm(CblasRowMajor, CblasNoTrans, t.transposeB ? CblasTrans : CblasNoTrans,
                    Int32(t.m), Int32(t.n), Int32(t.k), t.alpha, a, Int32(lda), b, Int32(ldb),
                    t.beta, &c, Int32(ldc))
        let shape = "\(t.m)×\(t.n)×\(t.k) \(t.transposeB ? "NT" : "NN") beta \(t.beta), \(threads) thread(s)"
        for i in 0..<t.m {
            for j in 0..<ldc {
                let got = Double(c[i * ldc + j])
                // Padding columns between rows must be left alone.
                guard j < t.n else {
                    if got != Double(c0[i * ldc + j]) { throw .wrongResult(shape: shape + ", padding", error: .infinity, bound: 0) }
                    continue
                }
                var sum = 0.0, magnitude = 0.0
                for p in 0..<t.k {
                    let bv = t.transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    let term = Double(a[i * lda + p]) * Double(bv)
                    sum += term
                    magnitude += abs(term)
                }
                let old = Double(c0[i * ldc + j])
                let expected = Double(t.alpha) * sum + Double(t.beta) * old
                // f32 accumulation error grows with k; 4·(k+2)·ε·(Σ|aᵢbᵢ| + |c|) covers any summation order.
                let bound = 4 * Double(t.k + 2) * Double(Float.ulpOfOne) * (magnitude + abs(old))
                let error = abs(got - expected)
                if !(error <= bound) { throw .wrongResult(shape: shape, error: error, bound: bound) }  // NaN fails too
            }
        }
    }
}
