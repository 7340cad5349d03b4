/// The two published vanilla decoders (spec §1a and §1b).
public enum VanillaFamily: String, Codable, Sendable, CaseIterable {
    /// LLaDA's reference `generate()`: fixed per-step counts, semi-autoregressive blocks.
    case llada
    /// Dream's `diffusion_generate`: time-grid counts, temperature / top-p / top-k filtering.
    case dream
}

/// How vanilla decoding chooses which masked positions to fill (`--unmask`).
public enum UnmaskRule: String, Codable, Sendable, CaseIterable {
    /// LLaDA: untempered softmax probability of the candidate.
    case lowConfidence = "low-confidence"
    /// LLaDA: a uniform draw per position.
    case random
    /// Dream: negative entropy of the filtered distribution (larger = surer).
    case entropy
    /// Dream: probability of the candidate under the filtered distribution.
    case maxProb = "max-prob"
    /// Dream: top-1 minus top-2 probability of the filtered distribution.
    case margin
    /// Dream: each masked position unmasks independently with the schedule's probability.
    case origin

    public var family: VanillaFamily {
        switch self {
        case .lowConfidence, .random: return .llada
        case .entropy, .maxProb, .margin, .origin: return .dream
        }
    }

    /// The rule a model family's reference generator uses by default.
    public static func familyDefault(_ family: VanillaFamily) -> UnmaskRule {
        family == .llada ? .lowConfidence : .entropy
    }
}

/// The sampling fields every method's options share (the rule, τ, and the Dream-style filters).
public protocol SamplingOptions: Sendable {
    var unmask: UnmaskRule { get set }
    var temperature: Double { get set }
    var topP: Double? { get set }
    var topK: Int? { get set }
}

/// Options of `vanilla` (spec §1). Also the fill-up stage of `tolerator`, and of `rcr`.
public struct VanillaOptions: SamplingOptions, Codable, Sendable, Equatable {
    public var unmask: UnmaskRule
    /// τ: candidates come from softmax(z/τ); 0 = argmax.
    public var temperature: Double
    /// B for LLaDA-style rules; nil = the whole canvas (pure diffusion). Dream rules take none.
    public var blockLength: Int?
    /// Nucleus filter, Dream-style rules only; nil or 1 = off.
    public var topP: Double?
    /// Top-k filter, Dream-style rules only; nil = off.
    public var topK: Int?

    public init(unmask: UnmaskRule, temperature: Double = 0, blockLength: Int? = nil,
                topP: Double? = nil, topK: Int? = nil) {
        self.unmask = unmask
        self.temperature = temperature
        self.blockLength = blockLength
        self.topP = topP
        self.topK = topK
    }

    public init(family: VanillaFamily) {
        self.init(unmask: .familyDefault(family))
    }

    enum CodingKeys: String, CodingKey {
        case unmask, temperature
        case blockLength = "block_length"
        case topP = "top_p"
        case topK = "top_k"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            unmask: try c.decode(UnmaskRule.self, forKey: .unmask),
            temperature: try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 0,
            blockLength: try c.decodeIfPresent(Int.self, forKey: .blockLength),
            topP: try c.decodeIfPresent(Double.self, forKey: .topP),
            topK: try c.decodeIfPresent(Int.self, forKey: .topK))
    }
}

/// Options of `remdm` (spec §2, "loop" schedule). Phases 1 and 3 decode with `unmask`.
public struct ReMDMOptions: SamplingOptions, Codable, Sendable, Equatable {
    public var unmask: UnmaskRule
    public var temperature: Double
    public var topP: Double?
    public var topK: Int?
    /// Loop window start: phase 2 begins once t ≤ t_on.
    public var tOn: Double
    /// Loop window end: phase 3 begins once t ≤ t_off.
    public var tOff: Double
    /// Unmasked fraction held during the loop.
    public var alphaOn: Double
    /// Per-step remasking probability of an unmasked token inside the loop.
    public var eta: Double

    public init(unmask: UnmaskRule, temperature: Double = 0, topP: Double? = nil, topK: Int? = nil,
                tOn: Double = 0.55, tOff: Double = 0.05, alphaOn: Double = 0.9, eta: Double = 0.02) {
        self.unmask = unmask
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.tOn = tOn
        self.tOff = tOff
        self.alphaOn = alphaOn
        self.eta = eta
    }

    public init(family: VanillaFamily) {
        self.init(unmask: .familyDefault(family))
    }

    enum CodingKeys: String, CodingKey {
        case unmask, temperature, eta
        case topP = "top_p"
        case topK = "top_k"
        case tOn = "t_on"
        case tOff = "t_off"
        case alphaOn = "alpha_on"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            unmask: try c.decode(UnmaskRule.self, forKey: .unmask),
            temperature: try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 0,
            topP: try c.decodeIfPresent(Double.self, forKey: .topP),
            topK: try c.decodeIfPresent(Int.self, forKey: .topK),
            tOn: try c.decodeIfPresent(Double.self, forKey: .tOn) ?? 0.55,
            tOff: try c.decodeIfPresent(Double.self, forKey: .tOff) ?? 0.05,
            alphaOn: try c.decodeIfPresent(Double.self, forKey: .alphaOn) ?? 0.9,
            eta: try c.decodeIfPresent(Double.self, forKey: .eta) ?? 0.02)
    }
}

/// Options of `rcr` (spec §3): the same fields as vanilla (blocks as LLaDA, rule, temperature,
/// filters), read as RCR's confidence measure; any rule except `origin` (which ranks nothing).
public typealias RCROptions = VanillaOptions

/// How the EoT penalty λ is applied to every stop id's logit during fill-up.
public enum EoTPenaltyForm: String, Codable, Sendable, CaseIterable {
    /// The paper: divide the EoT probability mass by λ, i.e. `z ← z − ln λ`.
    case paper
    /// The authors' code: `z ← z / λ` (raises EoT when its logit is negative).
    case code
}

/// Refinement-rate schedule γ_k of TOLERATOR's stage II.
public enum RefinementAnnealing: String, Codable, Sendable, CaseIterable {
    /// `γ_min + ½(γ_max − γ_min)(1 + cos(π·k/K))` (or `k/(K−1)`, see `cosineReachesMinimum`).
    case cosine
    /// `γ_max·(γ_min/γ_max)^(k/(K−1))`.
    case exponential
}

/// Options of `tolerator` (spec §4).
public struct ToleratorOptions: Codable, Sendable, Equatable {
    /// Stage I decoder; scripts use temperature 0.5.
    public var fillUp: VanillaOptions
    /// λ ≥ 1, applied during fill-up only (scripts: 1.2).
    public var eotPenalty: Double
    public var eotPenaltyForm: EoTPenaltyForm
    /// ρ: fill-up gets `max(1, round(ρ·T))` forwards (round half to even, as Python).
    public var fillUpFraction: Double
    public var annealing: RefinementAnnealing
    /// Cosine with `k/(K−1)` (authors' code; last iteration hits γ_min) instead of the paper's `k/K`.
    public var cosineReachesMinimum: Bool
    public var gammaMax: Double
    public var gammaMin: Double
    /// τ_r for refinement draws; 0 = argmax (scripts: 0.3).
    public var refinementTemperature: Double
    /// u ∈ (0, 1]: share of the re-predicted positions that are rewritten.
    public var updateRate: Double
    /// R: a position leaves refinement after its prediction repeats R times in a row; 0 = never.
    public var lockAfter: Int

    public init(fillUp: VanillaOptions, eotPenalty: Double = 1.2, eotPenaltyForm: EoTPenaltyForm = .paper,
                fillUpFraction: Double = 0.5, annealing: RefinementAnnealing = .cosine,
                cosineReachesMinimum: Bool = false, gammaMax: Double = 0.8, gammaMin: Double = 0.4,
                refinementTemperature: Double = 0.3, updateRate: Double = 1, lockAfter: Int = 10) {
        self.fillUp = fillUp
        self.eotPenalty = eotPenalty
        self.eotPenaltyForm = eotPenaltyForm
        self.fillUpFraction = fillUpFraction
        self.annealing = annealing
        self.cosineReachesMinimum = cosineReachesMinimum
        self.gammaMax = gammaMax
        self.gammaMin = gammaMin
        self.refinementTemperature = refinementTemperature
        self.updateRate = updateRate
        self.lockAfter = lockAfter
    }

    /// Scripts' settings: the family's default rule at fill-up temperature 0.5.
    public init(family: VanillaFamily) {
        self.init(fillUp: VanillaOptions(unmask: .familyDefault(family), temperature: 0.5))
    }

    enum CodingKeys: String, CodingKey {
        case annealing
        case fillUp = "fill_up"
        case eotPenalty = "eot_penalty"
        case eotPenaltyForm = "eot_penalty_form"
        case fillUpFraction = "fill_up_fraction"
        case cosineReachesMinimum = "cosine_reaches_minimum"
        case gammaMax = "gamma_max"
        case gammaMin = "gamma_min"
        case refinementTemperature = "refinement_temperature"
        case updateRate = "update_rate"
        case lockAfter = "lock_after"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            fillUp: try c.decode(VanillaOptions.self, forKey: .fillUp),
            eotPenalty: try c.decodeIfPresent(Double.self, forKey: .eotPenalty) ?? 1.2,
            eotPenaltyForm: try c.decodeIfPresent(EoTPenaltyForm.self, forKey: .eotPenaltyForm) ?? .paper,
            fillUpFraction: try c.decodeIfPresent(Double.self, forKey: .fillUpFraction) ?? 0.5,
            annealing: try c.decodeIfPresent(RefinementAnnealing.self, forKey: .annealing) ?? .cosine,
            cosineReachesMinimum: try c.decodeIfPresent(Bool.self, forKey: .cosineReachesMinimum) ?? false,
            gammaMax: try c.decodeIfPresent(Double.self, forKey: .gammaMax) ?? 0.8,
            gammaMin: try c.decodeIfPresent(Double.self, forKey: .gammaMin) ?? 0.4,
            refinementTemperature: try c.decodeIfPresent(Double.self, forKey: .refinementTemperature) ?? 0.3,
            updateRate: try c.decodeIfPresent(Double.self, forKey: .updateRate) ?? 1,
            lockAfter: try c.decodeIfPresent(Int.self, forKey: .lockAfter) ?? 10)
    }
}

/// One decoding method with its options. JSON: `{"name": "tolerator", "options": {...}}`.
public enum DecodingMethod: Codable, Sendable, Equatable {
    case vanilla(VanillaOptions)
    case remdm(ReMDMOptions)
    case rcr(RCROptions)
    case tolerator(ToleratorOptions)

    /// Every method's `name`, in the order help texts list them.
    public static let names = ["vanilla", "tolerator", "remdm", "rcr"]

    /// `vanilla`, `remdm`, `rcr` or `tolerator`.
    public var name: String {
        switch self {
        case .vanilla: return "vanilla"
        case .remdm: return "remdm"
        case .rcr: return "rcr"
        case .tolerator: return "tolerator"
        }
    }

    /// The method with every option at the spec's default for a model family.
    public static func defaults(_ name: String, family: VanillaFamily) -> DecodingMethod? {
        switch name {
        case "vanilla": return .vanilla(VanillaOptions(family: family))
        case "remdm": return .remdm(ReMDMOptions(family: family))
        case "rcr": return .rcr(RCROptions(family: family))
        case "tolerator": return .tolerator(ToleratorOptions(family: family))
        default: return nil
        }
    }

    enum CodingKeys: String, CodingKey { case name, options }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        switch name {
        case "vanilla": self = .vanilla(try c.decode(VanillaOptions.self, forKey: .options))
        case "remdm": self = .remdm(try c.decode(ReMDMOptions.self, forKey: .options))
        case "rcr": self = .rcr(try c.decode(RCROptions.self, forKey: .options))
        case "tolerator": self = .tolerator(try c.decode(ToleratorOptions.self, forKey: .options))
        default:
            throw Swift.DecodingError.dataCorruptedError(
                forKey: .name, in: c,
                debugDescription: "unknown decoding method \(name): expected vanilla, remdm, rcr or tolerator")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        switch self {
        case .vanilla(let o): try c.encode(o, forKey: .options)
        case .remdm(let o): try c.encode(o, forKey: .options)
        case .rcr(let o): try c.encode(o, forKey: .options)
        case .tolerator(let o): try c.encode(o, forKey: .options)
        }
    }
}
