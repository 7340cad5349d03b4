import Foundation
import CCPUFeatures

/// The vector units of this CPU that decide which OpenBLAS core can run on it. A flag is set only
/// when the OS also saves the unit's registers (see cpu_features.h).
public struct CPUFeatures: Sendable, Equatable, Codable {
    public var isX86_64 = false
    /// "GenuineIntel", "AuthenticAMD", "HygonGenuine", ...
    public var vendor = ""
    /// The brand string, e.g. "Intel(R) Xeon(R) Processor" (VMs often hide the real model).
    public var brand = ""
    public var family = 0, model = 0, stepping = 0
    public var avx = false, fma = false, avx2 = false
    public var avx512f = false, avx512dq = false, avx512bw = false, avx512vl = false
    public var avx512BF16 = false, avx512FP16 = false
    public var amx = false

    public init() {}

    /// The running CPU, read with CPUID once per process.
    public static let current: CPUFeatures = {
        var raw = cpuf_features()
        cpuf_read(&raw)
        var features = CPUFeatures()
        features.isX86_64 = raw.is_x86_64 != 0
        features.vendor = string(raw.vendor)
        features.brand = string(raw.brand).trimmingCharacters(in: .whitespaces)
        features.family = Int(raw.family)
        features.model = Int(raw.model)
        features.stepping = Int(raw.stepping)
        features.avx = raw.avx != 0
        features.fma = raw.fma != 0
        features.avx2 = raw.avx2 != 0
        features.avx512f = raw.avx512f != 0
        features.avx512dq = raw.avx512dq != 0
        features.avx512bw = raw.avx512bw != 0
        features.avx512vl = raw.avx512vl != 0
        features.avx512BF16 = raw.avx512_bf16 != 0
        features.avx512FP16 = raw.avx512_fp16 != 0
        features.amx = raw.amx_tile != 0
        return features
    }()

    /// The strongest OpenBLAS kernel tier these units can run.
    public var tier: CoreTier {
        guard isX86_64 else { return .unknown }
        if avx512f && avx512dq && avx512bw && avx512vl { return .avx512 }
        if avx2 && fma { return .avx2 }
        if avx { return .avx }
        return .sse
    }

    /// Single-precision FLOP per cycle per core at this tier, assuming two FMA ports (true of
    /// every Haswell-and-later client core and most Xeons; some Xeon Silver/Bronze have one 512-bit port).
    public var f32FLOPsPerCycle: Int {
        switch tier {
        case .avx512: return 64  // 2 ports × 16 lanes × 2 (multiply + add)
        case .avx2: return 32
        case .avx: return 16     // separate 8-lane multiply and add ports, no FMA
        case .sse: return 8
        case .unknown: return 0
        }
    }

    /// Short list for messages and JSON: "avx2 fma avx512f ... amx".
    public var summary: String {
        let named: [(String, Bool)] = [
            ("avx", avx), ("fma", fma), ("avx2", avx2), ("avx512f", avx512f), ("avx512dq", avx512dq),
            ("avx512bw", avx512bw), ("avx512vl", avx512vl), ("avx512_bf16", avx512BF16),
            ("avx512_fp16", avx512FP16), ("amx", amx),
        ]
        return named.filter(\.1).map(\.0).joined(separator: " ")
    }

    private static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
