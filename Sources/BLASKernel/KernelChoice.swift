/// Which OpenBLAS core a process should run, from facts alone (no CPUID, no library, no
/// environment), so every case can be tested with made-up CPUs and core names.
public enum KernelChoice {
    /// Cores worth trying instead of `detectedCore`, strongest first; empty when OpenBLAS's own
    /// choice already uses the widest units the CPU has, or when either side is unknown.
    /// Every core below the CPU's tier and above the detected one is listed, so a stronger core
    /// whose self-test fails still leaves a better one than the fallback.
    public static func candidates(features: CPUFeatures, detectedCore: String) -> [String] {
        let detected = CoreTier(coreName: detectedCore)
        let best = features.tier
        guard detected != .unknown, best != .unknown, detected < best else { return [] }
        let amdLike = features.vendor == "AuthenticAMD" || features.vendor == "HygonGenuine"
        var cores: [String] = []
        for tier in [CoreTier.avx512, .avx2, .avx] where tier <= best && tier > detected {
            switch tier {
            case .avx512: cores.append("SkylakeX")
            case .avx2: cores.append(amdLike ? "Zen" : "Haswell")
            case .avx: cores.append("Sandybridge")
            case .sse, .unknown: break
            }
        }
        return cores
    }

    /// The decision: `userCoreType` (OPENBLAS_CORETYPE as the user set it) always wins; otherwise
    /// the first candidate whose self-test passes, or the detected core when none does.
    /// `selfTest` is called only for candidates, in order, and stops at the first pass.
    public static func decide(features: CPUFeatures, detectedCore: String, userCoreType: String?,
                              selfTest: (String) -> Bool) -> KernelDecision {
        if let userCoreType { return .keep(core: detectedCore, reason: .userSet(userCoreType)) }
        let cores = candidates(features: features, detectedCore: detectedCore)
        if cores.isEmpty {
            let known = CoreTier(coreName: detectedCore) != .unknown && features.tier != .unknown
            return .keep(core: detectedCore, reason: known ? .alreadyBest : .unknownCore)
        }
        var failed: [String] = []
        for core in cores {
            if selfTest(core) { return .switchTo(core: core, from: detectedCore, failedFirst: failed) }
            failed.append(core)
        }
        return .keep(core: detectedCore, reason: .selfTestFailed(failed))
    }
}

public enum KernelDecision: Sendable, Equatable {
    /// Run on with the core OpenBLAS loaded.
    case keep(core: String, reason: KeepReason)
    /// Restart with OPENBLAS_CORETYPE=`core`; `failedFirst` are stronger cores whose self-test failed.
    case switchTo(core: String, from: String, failedFirst: [String])

    public enum KeepReason: Sendable, Equatable {
        /// OPENBLAS_CORETYPE was set by the user (value as given).
        case userSet(String)
        /// The detected core already uses the widest vector units the CPU has.
        case alreadyBest
        /// A core name or CPU this table does not know (another architecture, a newer library).
        case unknownCore
        /// Every stronger core failed its self-test, strongest first.
        case selfTestFailed([String])
    }
}
