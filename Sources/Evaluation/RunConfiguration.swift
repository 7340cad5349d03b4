import Foundation

/// Everything that decides a run's rows. Stored as `run.json` in the output folder; a resumed
/// run must match it exactly, or it is refused instead of mixing results.
public struct RunConfiguration: Codable, Sendable, Equatable {
    public var suitePath: String
    /// FNV-1a 64 of the suite file's bytes.
    public var suiteHash: String
    /// Tasks after `--limit`, in order.
    public var taskIDs: [String]
    /// The generator's identity: model files and decoder settings it was built with.
    public var model: String
    public var methods: [String]
    /// Per method, the canonical JSON of its decoding options.
    public var methodParameters: [String: String]
    public var nfe: [Int]
    public var samples: Int
    public var seed: UInt64
    public var canvasLength: Int
    /// Prompt template ids, per suite shape used.
    public var templates: [String: String]
    /// Bumped when extraction changes what it produces.
    public var extractionVersion: String
    /// Sandbox profile name and per-program timeout: they decide verdicts.
    public var sandbox: String
    /// Verified generation (`--attempts N --strategy S`), nil for plain runs (and older run.json).
    public var attempts: AttemptSettings?
    /// `eval --shard K/N`: this run evaluates shard K of `taskIDs` (which lists every task of
    /// the whole run); nil for an unsharded run, and absent from its run.json.
    public var shard: Shard?

    public static let currentExtractionVersion = "extract/1"

    public init(suitePath: String, suiteHash: String, taskIDs: [String], model: String, methods: [String],
                methodParameters: [String: String], nfe: [Int], samples: Int, seed: UInt64, canvasLength: Int,
                templates: [String: String], extractionVersion: String = currentExtractionVersion, sandbox: String) {
        self.suitePath = suitePath
        self.suiteHash = suiteHash
        self.taskIDs = taskIDs
        self.model = model
        self.methods = methods
        self.methodParameters = methodParameters
        self.nfe = nfe
        self.samples = samples
        self.seed = seed
        self.canvasLength = canvasLength
        self.templates = templates
        self.extractionVersion = extractionVersion
        self.sandbox = sandbox
    }

    enum CodingKeys: String, CodingKey {
        case model, methods, nfe, samples, seed, templates, sandbox, attempts, shard
        case suitePath = "suite_path"
        case suiteHash = "suite_hash"
        case taskIDs = "task_ids"
        case methodParameters = "method_parameters"
        case canvasLength = "canvas_length"
        case extractionVersion = "extraction_version"
    }

    /// This configuration with verified generation set (nil leaves run.json as plain runs write it).
    public func with(attempts: AttemptSettings?) -> RunConfiguration {
        var copy = self
        copy.attempts = attempts
        return copy
    }

    /// Canonical JSON (sorted keys), the input of `hash`.
    public var canonicalJSON: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// FNV-1a 64 of the canonical JSON, hex: a short name for this configuration.
    public var hash: String { Fingerprint.hex(canonicalJSON) }

    /// Human-readable differences from `other` (empty when equal). The suite path may move if
    /// the content is the same.
    public func differences(from other: RunConfiguration) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ name: String, _ a: T, _ b: T) {
            if a != b { out.append("\(name): was \(b), now \(a)") }
        }
        compare("suite content (hash)", suiteHash, other.suiteHash)
        if taskIDs != other.taskIDs {
            out.append("tasks: was \(other.taskIDs.count) (\(Self.preview(other.taskIDs))), now \(taskIDs.count) (\(Self.preview(taskIDs)))")
        }
        compare("model", model, other.model)
        compare("methods", methods, other.methods)
        for name in Set(methodParameters.keys).union(other.methodParameters.keys).sorted()
        where methodParameters[name] != other.methodParameters[name] {
            out.append("\(name) parameters: was \(other.methodParameters[name] ?? "none"), now \(methodParameters[name] ?? "none")")
        }
        compare("nfe budgets", nfe, other.nfe)
        compare("samples", samples, other.samples)
        compare("seed", seed, other.seed)
        compare("canvas length", canvasLength, other.canvasLength)
        compare("prompt templates", templates, other.templates)
        compare("extraction version", extractionVersion, other.extractionVersion)
        compare("sandbox", sandbox, other.sandbox)
        compare("attempts", attempts?.label ?? "none", other.attempts?.label ?? "none")
        compare("shard", shard?.description ?? "none", other.shard?.description ?? "none")
        return out
    }

    private static func preview(_ ids: [String]) -> String {
        ids.count <= 3 ? ids.joined(separator: ", ") : ids.prefix(3).joined(separator: ", ") + ", …"
    }
}

/// Stable 64-bit fingerprints and per-sample seeds (identical on every platform and run).
public enum Fingerprint {
    public static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    public static func hex(_ data: some Sequence<UInt8>) -> String {
        let hex = String(fnv1a64(data), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The seed of one sample: a function of the run seed and the sample's key only, so a
    /// resumed run regenerates exactly what an uninterrupted one would have.
    public static func sampleSeed(runSeed: UInt64, key: SampleKey) -> UInt64 {
        let text = "\(key.taskID)\u{1F}\(key.method)\u{1F}\(key.nfe)\u{1F}\(key.sample)"
        var z = fnv1a64(text.utf8) ^ (runSeed &* 0x9E37_79B9_7F4A_7C15)
        // SplitMix64 finaliser: spreads nearby inputs.
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
