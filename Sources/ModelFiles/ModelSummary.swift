import Foundation

/// The facts `tolerator inspect` reports about a model folder, as one value.
public struct ModelSummary: Sendable, Codable, Equatable {
    public var directory: String
    public var config: ModelConfig
    public var parameterCount: Int
    public var tensorCount: Int
    public var fileCount: Int
    public var fileBytes: Int
    /// e.g. `["BF16": 291]`.
    public var dtypes: [String: Int]
    public var stopIDs: [Int]
    /// Token text for each special id, where a tokenizer could tell.
    public var tokenText: [String: String]
    public var chatTemplate: String?
    public var memory: ForwardMemoryEstimate
    public var sequenceLength: Int
    /// The OpenBLAS core this process computes with and how it was chosen; set by the CLI,
    /// which owns the BLAS start-up (this module knows nothing of BLAS).
    public var kernel: String?
    public var kernelNote: String?
    /// `--compute`'s resolution for this model on this CPU ("f32", "native-bf16") and why.
    public var compute: String?
    public var computeNote: String?
    /// Each method's default KV cache from generation_config.json `cache_options`, in words
    /// ("dual", "dual, refresh every 4"); set by the CLI. Methods not named decode exactly.
    public var cacheDefaults: [String: String]?

    enum CodingKeys: String, CodingKey {
        case directory, config
        case parameterCount = "parameter_count"
        case tensorCount = "tensor_count"
        case fileCount = "file_count"
        case fileBytes = "file_bytes"
        case dtypes
        case stopIDs = "stop_ids"
        case tokenText = "token_text"
        case chatTemplate = "chat_template"
        case memory
        case sequenceLength = "sequence_length"
        case kernel
        case kernelNote = "kernel_note"
        case compute
        case computeNote = "compute_note"
        case cacheDefaults = "cache_defaults"
    }

    public init(folder: ModelFolder, checkpoint: Checkpoint, chatTemplate: String?,
                tokenText: (Int) -> String?, sequenceLength: Int, threads: Int) {
        directory = folder.directory.path
        config = folder.config
        parameterCount = checkpoint.parameterCount
        tensorCount = checkpoint.tensors.count
        fileCount = checkpoint.files.count
        fileBytes = checkpoint.totalBytes
        dtypes = Dictionary(uniqueKeysWithValues: checkpoint.dtypeCounts.map { ($0.key.rawValue, $0.value) })
        stopIDs = folder.config.specialTokens.stopIDs
        let special = folder.config.specialTokens
        let ids = [special.maskID, special.bosID, special.endOfTurnID, special.padID].compactMap { $0 } + special.eosIDs + stopIDs
        self.tokenText = Dictionary(ids.compactMap { id in tokenText(id).map { (String(id), $0) } }) { first, _ in first }
        self.chatTemplate = chatTemplate
        self.sequenceLength = sequenceLength
        memory = ForwardMemoryEstimate(
            config: folder.config, weightBytes: checkpoint.totalBytes,
            storedAsFloat32: checkpoint.dtypeCounts.keys.allSatisfy { $0 == .f32 },
            sequenceLength: sequenceLength, logitRows: sequenceLength, threads: threads)
    }

    public func text() -> String {
        let c = config
        func id(_ value: Int?) -> String {
            guard let value else { return "none" }
            return tokenText[String(value)].map { "\(value) \($0)" } ?? String(value)
        }
        let shift = c.usesLogitShift ? "yes (row i-1 predicts token i)" : "no (row i predicts token i)"
        let dtypeText = dtypes.keys.sorted().map { "\($0) ×\(dtypes[$0]!)" }.joined(separator: ", ")
        var lines = [
            "model        \(directory)",
            "family       \(c.family.rawValue) (model_type \(c.modelType), \(c.layout == .olmo ? "OLMo/LLaDA" : "Hugging Face") tensor names)",
            "logit shift  \(shift)",
            "layers       \(c.layerCount)   hidden \(c.hiddenSize)   ffn \(c.intermediateSize)   vocab \(c.vocabularySize)",
            "attention    \(c.headCount) heads × \(c.headDim), \(c.kvHeadCount) KV heads\(c.attentionBias ? ", q/k/v bias" : "")\(c.qkNorm ? ", QK-norm" : "")",
            "rope θ       \(formatNumber(c.ropeTheta))   rms eps \(c.rmsNormEps)   head \(c.tiedEmbeddings ? "tied to embeddings" : "separate")",
            "parameters   \(parameterCount.formatted()) (\(String(format: "%.2f", Double(parameterCount) / 1e9)) B) in \(tensorCount) tensors",
            "weights      \(formatBytes(fileBytes)) in \(fileCount) file\(fileCount == 1 ? "" : "s"); \(dtypeText)",
            "mask id      \(id(c.specialTokens.maskID))",
            "bos id       \(id(c.specialTokens.bosID))",
            "eos ids      \(c.specialTokens.eosIDs.map { id($0) }.joined(separator: ", "))",
            "end of turn  \(id(c.specialTokens.endOfTurnID))",
            "pad id       \(id(c.specialTokens.padID))",
            "stop ids     \(stopIDs.map(String.init).joined(separator: ", "))",
            "chat template \(chatTemplate ?? "none found")",
            "memory       \(formatBytes(memory.totalBytes)) for one forward at length \(sequenceLength): weights \(formatBytes(memory.weightBytes)) (mapped), widening tiles \(formatBytes(memory.layerScratchBytes)), activations \(formatBytes(memory.activationBytes)), attention \(formatBytes(memory.attentionBytes)), logits \(formatBytes(memory.logitBytes))",
        ]
        if let kernel {
            lines.append("kernel       OpenBLAS \(kernel)\(kernelNote.map { " (\($0))" } ?? "")")
        }
        if let compute {
            lines.append("compute      \(compute)\(computeNote.map { " (\($0))" } ?? "")")
        }
        if let cacheDefaults, !cacheDefaults.isEmpty {
            let named = cacheDefaults.keys.sorted().map { "\($0) \(cacheDefaults[$0]!)" }.joined(separator: "; ")
            lines.append("KV cache     \(named); other methods exact (generation_config.json cache_options; --cache overrides)")
        }
        if c.specialTokens.maskID == nil {
            lines.append("warning      no mask id: pass --mask-id")
        }
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// "1.50 GiB", "12.0 MiB", "512 B".
public func formatBytes(_ bytes: Int) -> String {
    let value = Double(bytes)
    if bytes >= 1 << 30 { return String(format: "%.2f GiB", value / 1_073_741_824) }
    if bytes >= 1 << 20 { return String(format: "%.1f MiB", value / 1_048_576) }
    if bytes >= 1 << 10 { return String(format: "%.1f KiB", value / 1024) }
    return "\(bytes) B"
}

private func formatNumber(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
