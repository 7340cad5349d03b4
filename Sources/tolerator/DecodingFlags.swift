import ArgumentParser
import Decoding
import ModelFiles

extension UnmaskRule: ExpressibleByArgument {}
extension EoTPenaltyForm: ExpressibleByArgument {}
extension RefinementAnnealing: ExpressibleByArgument {}

/// Decoding method and its parameters as flags. Unset flags keep the spec's defaults for the
/// model's family (decoding.md), so `--method tolerator` alone is the paper's setting.
struct DecodingFlags: ParsableArguments {
    @Option(help: "vanilla, remdm, rcr or tolerator.")
    var method = "tolerator"

    @Option(parsing: .unconditional, help: "Forward-pass budget T (NFE).")
    var nfe = 32

    @Option(parsing: .unconditional, help: "Canvas length G: tokens generated. Default: the model folder's generation_config.json canvas_length (64 for the embedded model), else 256.")
    var canvas: Int?

    @OptionGroup(title: "KV cache") var caching: CacheFlags

    @Option(parsing: .unconditional, help: "Seed of the decoder's random generator.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Sampling temperature τ (TOLERATOR: of the fill-up; default 0, tolerator 0.5).")
    var temperature: Double?

    @Option(help: ArgumentHelp("Vanilla rule: low-confidence, random (LLaDA style); entropy, max-prob, margin, origin (Dream style). Default: the model family's.", valueName: "rule"))
    var unmask: UnmaskRule?

    @Option(parsing: .unconditional, help: "Semi-autoregressive block length B (LLaDA-style rules, rcr). Default: the canvas.")
    var blockLength: Int?

    @Option(parsing: .unconditional, help: "Nucleus filter (Dream-style rules).")
    var topP: Double?

    @Option(parsing: .unconditional, help: "Top-k filter (Dream-style rules).")
    var topK: Int?

    @Option(parsing: .unconditional, help: "ReMDM: loop window start t_on (default 0.55).")
    var tOn: Double?
    @Option(parsing: .unconditional, help: "ReMDM: loop window end t_off (default 0.05).")
    var tOff: Double?
    @Option(parsing: .unconditional, help: "ReMDM: unmasked fraction held in the loop α_on (default 0.9).")
    var alphaOn: Double?
    @Option(parsing: .unconditional, help: "ReMDM: remasking probability η (default 0.02).")
    var eta: Double?

    @Option(parsing: .unconditional, help: "TOLERATOR: EoT penalty λ ≥ 1 during fill-up (default 1.2).")
    var eotPenalty: Double?
    @Option(help: "TOLERATOR: paper (z − ln λ, default) or code (z / λ).")
    var eotPenaltyForm: EoTPenaltyForm?
    @Option(parsing: .unconditional, help: "TOLERATOR: share ρ of the budget spent on fill-up (default 0.5).")
    var fillUpFraction: Double?
    @Option(help: "TOLERATOR: cosine (default) or exponential refinement-rate schedule.")
    var annealing: RefinementAnnealing?
    @Option(parsing: .unconditional, help: "TOLERATOR: γ_max (default 0.8).")
    var gammaMax: Double?
    @Option(parsing: .unconditional, help: "TOLERATOR: γ_min (default 0.4).")
    var gammaMin: Double?
    @Option(parsing: .unconditional, help: "TOLERATOR: refinement temperature τ_r (default 0.3).")
    var refinementTemperature: Double?
    @Option(parsing: .unconditional, help: "TOLERATOR: update rate u in (0, 1] (default 1).")
    var updateRate: Double?
    @Option(parsing: .unconditional, help: "TOLERATOR: lock a position after R unchanged predictions; 0 = never (default 10).")
    var lockAfter: Int?

    func validate() throws {
        guard ["vanilla", "remdm", "rcr", "tolerator"].contains(method) else {
            throw ValidationError("--method must be vanilla, remdm, rcr or tolerator (got '\(method)')")
        }
        try OptionRange.check("--nfe", nfe, in: OptionRange.nfe)
        try OptionRange.check("--canvas", canvas, in: OptionRange.tokens)
        try OptionRange.check("--block-length", blockLength, in: OptionRange.tokens)
        try OptionRange.check("--top-k", topK, in: 1...10_000_000)
        try OptionRange.check("--lock-after", lockAfter, in: 0...1_000_000)
        try OptionRange.check("--temperature", temperature, in: OptionRange.temperature)
        try OptionRange.check("--refinement-temperature", refinementTemperature, in: OptionRange.temperature)
        try OptionRange.check("--top-p", topP, above: 0, atMost: 1)
        try OptionRange.check("--update-rate", updateRate, above: 0, atMost: 1)
        try OptionRange.check("--eot-penalty", eotPenalty, in: OptionRange.eotPenalty)
        for (flag, value) in [("--t-on", tOn), ("--t-off", tOff), ("--alpha-on", alphaOn), ("--eta", eta),
                              ("--fill-up-fraction", fillUpFraction), ("--gamma-max", gammaMax), ("--gamma-min", gammaMin)] {
            try OptionRange.check(flag, value, in: OptionRange.fraction)
        }
    }

    /// The chosen method with the model's defaults (`generation_config.json` `method_options`),
    /// else the family's, then every flag the user set.
    func decodingMethod(family: ModelConfig.Family, modelDefaults: [String: DecodingMethod] = [:]) -> DecodingMethod {
        let vanillaFamily: VanillaFamily = family == .llada ? .llada : .dream
        switch method {
        case "vanilla":
            var options = VanillaOptions(family: vanillaFamily)
            if case .vanilla(let own)? = modelDefaults["vanilla"] { options = own }
            applySampling(to: &options)
            if let blockLength { options.blockLength = blockLength }
            return .vanilla(options)
        case "remdm":
            var options = ReMDMOptions(family: vanillaFamily)
            if case .remdm(let own)? = modelDefaults["remdm"] { options = own }
            applySampling(to: &options)
            if let tOn { options.tOn = tOn }
            if let tOff { options.tOff = tOff }
            if let alphaOn { options.alphaOn = alphaOn }
            if let eta { options.eta = eta }
            return .remdm(options)
        case "rcr":
            var options = RCROptions(family: vanillaFamily)
            if case .rcr(let own)? = modelDefaults["rcr"] { options = own }
            applySampling(to: &options)
            if let blockLength { options.blockLength = blockLength }
            return .rcr(options)
        default:
            return .tolerator(toleratorOptions(family: family, modelDefaults: modelDefaults))
        }
    }

    /// TOLERATOR's options from these flags (also what `--strategy repair` refines with).
    func toleratorOptions(family: ModelConfig.Family, modelDefaults: [String: DecodingMethod] = [:]) -> ToleratorOptions {
        var options = ToleratorOptions(family: family == .llada ? .llada : .dream)
        if case .tolerator(let own)? = modelDefaults["tolerator"] { options = own }
        applySampling(to: &options.fillUp)
        if let blockLength { options.fillUp.blockLength = blockLength }
        if let eotPenalty { options.eotPenalty = eotPenalty }
        if let eotPenaltyForm { options.eotPenaltyForm = eotPenaltyForm }
        if let fillUpFraction { options.fillUpFraction = fillUpFraction }
        if let annealing { options.annealing = annealing }
        if let gammaMax { options.gammaMax = gammaMax }
        if let gammaMin { options.gammaMin = gammaMin }
        if let refinementTemperature { options.refinementTemperature = refinementTemperature }
        if let updateRate { options.updateRate = updateRate }
        if let lockAfter { options.lockAfter = lockAfter }
        return options
    }

    /// The flags every method's sampler shares.
    private func applySampling<Options: SamplingOptions>(to options: inout Options) {
        if let unmask { options.unmask = unmask }
        if let temperature { options.temperature = temperature }
        if let topP { options.topP = topP }
        if let topK { options.topK = topK }
    }
}
