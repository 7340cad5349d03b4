import BLASKernel
import Testing

/// Made-up CPUs: the decision is a pure function of features, the detected core and the environment.
private func cpu(_ tier: CoreTier, vendor: String = "GenuineIntel") -> CPUFeatures {
    var features = CPUFeatures()
    features.isX86_64 = true
    features.vendor = vendor
    features.brand = "Intel(R) Xeon(R) Processor"
    features.avx = tier >= .avx
    features.avx2 = tier >= .avx2
    features.fma = tier >= .avx2
    features.avx512f = tier >= .avx512
    features.avx512dq = tier >= .avx512
    features.avx512bw = tier >= .avx512
    features.avx512vl = tier >= .avx512
    return features
}

@Suite struct KernelChoiceTests {
    @Test func misdetectedPrescottOnAVX512SwitchesToSkylakeX() {
        var tested: [String] = []
        let decision = KernelChoice.decide(features: cpu(.avx512), detectedCore: "Prescott", userCoreType: nil) {
            tested.append($0)
            return true
        }
        #expect(decision == .switchTo(core: "SkylakeX", from: "Prescott", failedFirst: []))
        #expect(tested == ["SkylakeX"])
    }

    @Test func prescottOnAVX2OnlySwitchesToHaswellOrZenByVendor() {
        let intel = KernelChoice.decide(features: cpu(.avx2), detectedCore: "Prescott", userCoreType: nil) { _ in true }
        #expect(intel == .switchTo(core: "Haswell", from: "Prescott", failedFirst: []))
        let amd = KernelChoice.candidates(features: cpu(.avx2, vendor: "AuthenticAMD"), detectedCore: "Prescott")
        #expect(amd == ["Zen", "Sandybridge"])
    }

    @Test(arguments: [(CoreTier.avx512, "SkylakeX"), (.avx512, "Cooperlake"), (.avx2, "Haswell"), (.avx2, "Zen"), (.avx, "Sandybridge")])
    func correctDetectionIsKeptWithoutATest(tier: CoreTier, core: String) {
        var tested = false
        let decision = KernelChoice.decide(features: cpu(tier), detectedCore: core, userCoreType: nil) { _ in
            tested = true
            return true
        }
        #expect(decision == .keep(core: core, reason: .alreadyBest))
        #expect(!tested)
    }

    @Test func aUserSetCoreTypeIsNeverOverridden() {
        var tested = false
        let decision = KernelChoice.decide(features: cpu(.avx512), detectedCore: "Haswell", userCoreType: "Haswell") { _ in
            tested = true
            return true
        }
        #expect(decision == .keep(core: "Haswell", reason: .userSet("Haswell")))
        #expect(!tested)
        // Even a value OpenBLAS does not know, or an empty one, is the user's to set.
        let empty = KernelChoice.decide(features: cpu(.avx512), detectedCore: "Prescott", userCoreType: "") { _ in true }
        #expect(empty == .keep(core: "Prescott", reason: .userSet("")))
    }

    @Test func aFailedSelfTestFallsToTheNextCoreThenKeepsTheDetectedOne() {
        let next = KernelChoice.decide(features: cpu(.avx512), detectedCore: "Prescott", userCoreType: nil) { $0 != "SkylakeX" }
        #expect(next == .switchTo(core: "Haswell", from: "Prescott", failedFirst: ["SkylakeX"]))
        var tested: [String] = []
        let none = KernelChoice.decide(features: cpu(.avx512), detectedCore: "Prescott", userCoreType: nil) {
            tested.append($0)
            return false
        }
        #expect(none == .keep(core: "Prescott", reason: .selfTestFailed(["SkylakeX", "Haswell", "Sandybridge"])))
        #expect(tested == ["SkylakeX", "Haswell", "Sandybridge"])
    }

    @Test func onlyCoresStrongerThanTheDetectedOneAreTried() {
        #expect(KernelChoice.candidates(features: cpu(.avx512), detectedCore: "Haswell") == ["SkylakeX"])
        #expect(KernelChoice.candidates(features: cpu(.avx2), detectedCore: "Sandybridge") == ["Haswell"])
        // OpenBLAS's name comparison ignores case; so does ours.
        #expect(KernelChoice.candidates(features: cpu(.avx512), detectedCore: "SKYLAKEX").isEmpty)
    }

    @Test func unknownCoresAndOtherArchitecturesAreLeftAlone() {
        let arm = KernelChoice.decide(features: CPUFeatures(), detectedCore: "NeoverseN1", userCoreType: nil) { _ in true }
        #expect(arm == .keep(core: "NeoverseN1", reason: .unknownCore))
        let newer = KernelChoice.decide(features: cpu(.avx512), detectedCore: "GraniteRapids", userCoreType: nil) { _ in true }
        #expect(newer == .keep(core: "GraniteRapids", reason: .unknownCore))
    }

    @Test func avx512WithoutBWIsNotSkylakeXTier() {
        var features = cpu(.avx512)
        features.avx512bw = false  // Knights Landing: AVX-512F but not the Skylake subsets
        #expect(features.tier == .avx2)
        #expect(features.f32FLOPsPerCycle == 32)
    }
}
