import ArgumentParser
import Foundation
import Inference
import ModelFiles

/// `tolerator logits`: aligned logits rows of one forward, as JSON, for porting and debugging.
struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one forward pass and print aligned logits rows as JSON {ids, positions, rows}.",
        discussion: """
            Row k predicts the token at positions[k]; for Dream-family models (logit shift) that \
            row comes from output row positions[k]-1, exactly as their generator aligns it.
            """)

    @Argument(help: "A Hugging Face model folder (config.json, *.safetensors).")
    var modelDirectory: String

    @Option(parsing: .unconditional, help: ArgumentHelp("Token ids of the whole sequence, comma-separated.", valueName: "ids"),
            transform: parseIDList)
    var ids: [Int]

    @Option(parsing: .unconditional, help: ArgumentHelp("Positions to return rows for (default: all).", valueName: "i,j,..."),
            transform: parsePositionList)
    var positions: [Int]?

    @Option(parsing: .unconditional, help: "Compute threads (OpenBLAS threads and attention workers).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ComputeOption.help)
    var compute: ComputeRequest = .auto

    @OptionGroup var special: SpecialTokenOptions

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("--ids needs at least one token id") }
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
    }

    func run() throws {
        let loaded = try LoadedModelFiles(path: modelDirectory, special: special)
        let model = try TransformerModel(checkpoint: try loaded.folder.openCheckpoint(), config: loaded.folder.config, threads: threads,
                                         compute: compute)
        let wanted = positions ?? Array(ids.indices)
        let result = try model.logits(tokens: ids, positions: wanted)
        // Floats print with Swift's shortest round-trip form, so the JSON reproduces them exactly.
        var text = "{\"ids\": [\(ids.map(String.init).joined(separator: ", "))], "
        text += "\"positions\": [\(wanted.map(String.init).joined(separator: ", "))], \"rows\": ["
        text += (0..<result.rowCount).map { index in
            "[" + result.row(index).map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ", ") + "]"
        }.joined(separator: ",\n  ")
        text += "]}"
        print(text)
    }
}
