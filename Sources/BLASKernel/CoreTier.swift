/// How wide a vector unit an OpenBLAS core's kernels use: the order in which one core is
/// "weaker" than another for f32 GEMM.
public enum CoreTier: Int, Sendable, Comparable, Codable {
    /// A core name this table does not know (another architecture, a newer OpenBLAS): never replaced.
    case unknown = -1
    case sse = 0, avx, avx2, avx512

    public static func < (a: CoreTier, b: CoreTier) -> Bool { a.rawValue < b.rawValue }

    /// The tier of a core name as `openblas_get_corename` reports it (OpenBLAS 0.3.21's
    /// DYNAMIC_ARCH x86-64 list; the comparison ignores case as OPENBLAS_CORETYPE does).
    public init(coreName: String) {
        switch coreName.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": self = .avx512
        case "haswell", "zen", "dhyana": self = .avx2
        // Excavator has AVX2, but 0.3.21 runs Piledriver-era AVX kernels for it.
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": self = .avx
        case "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
             "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano",
             "unknown":
            self = .sse
        default: self = .unknown
        }
    }
}
