import ArgumentParser
import BLASKernel
import Decoding
import Foundation
import Inference
import InstallLayout
import ModelFiles
import PythonSource
import Tokenization

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write code with a diffusion LM: a request in words, or a Python signature + docstring.",
        discussion: """
            Two prompt modes:
              chat        the request is rendered with the model's chat template (prompts/chat/)
              completion  the input is the start of a Python file (signature + docstring); the \
            model writes the body and the whole function is printed
            `auto` (default) picks completion when the input contains a `def` line, chat otherwise.

            The budget is counted in forward passes (--nfe): every method gets the same compute. \
            `--show-draft` prints TOLERATOR's fill-up draft and what refinement changed; `--json` \
            prints the full trace (per-step edits, nfe_used, timings).

            Verification: when the docstring has `>>>` examples, or tests are given with --test or \
            --tests, each candidate runs against them in the sandbox; up to --attempts candidates are \
            tried (--strategy resample: a new seed; repair: the failed canvas re-masked where the \
            failure points, then refined), and the first that passes is printed. If none passes, the \
            best is printed marked unverified, with the failing example, and the exit code is 1. \
            The budget is counted in forwards across attempts (--nfe-total).

            Examples:
              tolerator generate --file stub.py
              tolerator generate --file stub.py --test 'assert count_evens([2, 4]) == 2' --strategy repair
              tolerator generate --model ~/models/Dream-v0-Instruct-7B "Write a function that reverses a string" --canvas 256 --nfe 64
              tolerator generate --model ~/models/LLaDA-8B-Instruct "Reverse a string" --block-length 32 --cache dual

            `--cache prefix|dual` reuses keys and values of rows that did not change (approximate, \
            refreshed at each block and stage start, or every --cache-refresh forwards); the --json \
            trace gives each step's FLOPs and computed rows.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case auto, chat, completion
    }

    @Argument(help: "The request or the code to complete (or use --file).")
    var input: String?

    @Option(help: "Read the request or code from this file.")
    var file: String?

    @Option(help: "Model folder. Default: the embedded minicode model.")
    var model: String?

    @Option(help: "auto, chat or completion.")
    var mode: Mode = .auto

    @OptionGroup var decoding: DecodingFlags

    @OptionGroup var special: SpecialTokenOptions

    @Option(parsing: .unconditional, help: "Compute threads.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ComputeOption.help)
    var compute: ComputeRequest = .auto

    @Flag(help: "Print TOLERATOR's fill-up draft and a token diff against the final answer (with verification: the chosen attempt's draft and how many tokens refinement changed).")
    var showDraft = false

    @Flag(help: "Print a JSON object with the code and the decoding trace (with verification: every attempt).")
    var json = false

    @OptionGroup(title: "Verification") var verification: VerificationOptions

    @OptionGroup(title: "Sandbox (verification)") var sandbox: SandboxOptions

    func validate() throws {
        if input == nil && file == nil {
            throw ValidationError("nothing to generate from: give the request or code as an argument (tolerator generate \"...\") or with --file FILE")
        }
        if input != nil && file != nil { throw ValidationError("give the request as an argument or with --file, not both") }
        try OptionRange.check("--threads", threads, in: OptionRange.threads)
        try verification.validate()
        try sandbox.validateSandbox()
    }

    func run() throws {
        let text: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("\(file): cannot read") }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = input ?? ""
        }
        let loaded = try LoadedModelFiles(path: try ModelLocation.resolve(model), special: special)
        let tokenizer = try loaded.requireTokenizer()
        let config = loaded.folder.config
        let maskID = try loaded.requireMaskID()
        let prompt = try PromptBuilder(tokenizer: tokenizer, chatFamily: loaded.chatTemplateFamily,
                                       stripExamples: !loaded.showsPromptExamples())
            .build(text, mode: mode)
        let request = DecodingRequest(prompt: prompt.ids, canvasLength: try loaded.canvasLength(decoding.canvas), nfe: decoding.nfe,
                                      seed: decoding.seed, maskId: maskID, stopIds: config.specialTokens.stopIDs)
        let modelDefaults = try loaded.methodDefaults()
        let method = decoding.decodingMethod(family: config.family, modelDefaults: modelDefaults)
        let cache = decoding.caching.policy(for: method.name, modelDefaults: try loaded.cacheDefaults())
        let decoder = DiffusionDecoder(method: method, cache: cache)
        let transformer = try TransformerModel(folder: loaded.folder, threads: threads, compute: compute)
        try decoder.validate(request, vocabularySize: transformer.vocabularySize, maxSequenceLength: transformer.maxSequenceLength)

        let visible = try verification.visibleTests(prompt: prompt.mode == .completion ? text : nil)
        if verification.shouldVerify(visible) {
            try runVerified(text: text, prompt: prompt, visible: visible, request: request, model: transformer,
                            tokenizer: tokenizer, family: config.family, modelDefaults: modelDefaults, cache: cache)
            return
        }

        let progress = ProgressLine(enabled: !json && isatty(STDERR_FILENO) == 1)
        let result = try decoder.decode(transformer, request) { step in
            progress.update("step \(step.step + 1)/\(step.totalSteps)  NFE \(step.nfeUsed)/\(step.nfeBudget)  tokens \(step.unmaskedTokens)/\(step.canvasLength)  [\(step.stage.rawValue)]")
        }
        progress.finish()

        let answer = tokenizer.decode(result.answer, skipSpecialTokens: true)
        let code = prompt.mode == .completion ? text + answer : answer
        if json {
            let output = GenerateOutput(compute: transformer.compute.path.rawValue, mode: prompt.mode.rawValue,
                                        prompt: prompt.rendered, completion: answer, code: code, trace: result.trace)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        print(code)
        if showDraft {
            printDraft(result: result, tokenizer: tokenizer, stopIDs: Set(request.stopIds))
        }
        let trace = result.trace
        FileHandle.standardError.write(Data(String(
            format: "%@ · NFE %d/%d · %.2f s (%.0f%% outside the forward pass)%@\n",
            trace.method.name, trace.nfeUsed, trace.nfeBudget, trace.forwardSeconds + trace.otherSeconds,
            trace.decodingOverhead * 100, trace.earlyStop.map { " · stopped early: \($0.reason.rawValue)" } ?? "").utf8))
    }

    private func printDraft(result: DecodingResult, tokenizer: Tokenizer, stopIDs: Set<Int>) {
        guard let draft = result.trace.fillUpDraft else {
            print("\n(no fill-up draft: --show-draft applies to --method tolerator)")
            return
        }
        let draftEnd = draft.firstIndex(where: stopIDs.contains) ?? draft.count
        print("\n--- fill-up draft (before refinement) ---")
        print(tokenizer.decode(Array(draft[..<draftEnd]), skipSpecialTokens: true))
        let changed = draft.indices.filter { draft[$0] != result.canvas[$0] }
        print("--- refinement changed \(changed.count) of \(draft.count) canvas tokens ---")
        for position in changed {
            let old = jsonQuoted(tokenizer.decode([draft[position]]))
            let new = jsonQuoted(tokenizer.decode([result.canvas[position]]))
            print("  \(position): \(old) → \(new)")
        }
    }
}

struct GenerateOutput: Encodable {
    /// The OpenBLAS core that computed this answer (speed differs by core, results must not).
    var kernel = KernelInUse.current.name
    /// "f32" or "native-bf16" (`--compute`): results differ within the parity bound.
    var compute: String
    var mode: String
    var prompt: String
    var completion: String
    var code: String
    var trace: DecodingTrace
}

/// A prompt as text and token ids, in the mode that produced it.
struct BuiltPrompt {
    var mode: Generate.Mode
    var rendered: String
    var ids: [Int]
}

struct PromptBuilder {
    let tokenizer: Tokenizer
    let chatFamily: String?
    /// Completion mode only: the model sees the text without its docstrings' `>>>` examples.
    var stripExamples = false

    func build(_ text: String, mode: Generate.Mode) throws -> BuiltPrompt {
        var effective = mode
        if mode == .auto {
            let looksLikeCode = text.split(separator: "\n").contains { $0.hasPrefix("def ") || $0.hasPrefix("async def ") }
            effective = looksLikeCode || chatFamily == nil ? .completion : .chat
        }
        if effective == .completion {
            let input = stripExamples ? PromptExamples.stripped(text) : text
            return BuiltPrompt(mode: .completion, rendered: input, ids: tokenizer.encode(input, addSpecialTokens: false))
        }
        guard let chatFamily else {
            throw ValidationError("this model has no chat template tolerator knows (prompts/chat/); use --mode completion")
        }
        let template = try ChatTemplate.named(chatFamily)
        let rendered = template.render([ChatMessage(role: "user", content: text)], addGenerationPrompt: true)
        // The template already holds BOS where the family wants one.
        return BuiltPrompt(mode: .chat, rendered: rendered, ids: tokenizer.encode(rendered, addSpecialTokens: false))
    }
}

/// A one-line status on a terminal's stderr, rewritten in place; silent elsewhere.
final class ProgressLine {
    private let enabled: Bool
    private var width = 0

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ text: String) {
        guard enabled else { return }
        let padded = text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        width = text.count
        FileHandle.standardError.write(Data(("\r" + padded).utf8))
    }

    func finish() {
        guard enabled, width > 0 else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: width) + "\r").utf8))
    }
}

/// Where the model folder is: `--model`, else `$TOLERATOR_MODEL`, else the embedded model.
enum ModelLocation {
    static let environmentKey = "TOLERATOR_MODEL"

    /// An install's `share/tolerator/minicode` (`Tools/install.sh`), else the checkout's copy.
    static var embedded: URL {
        if let installed = InstallLayout.shareDirectory()?.appendingPathComponent("minicode", isDirectory: true),
           FileManager.default.fileExists(atPath: installed.appendingPathComponent("config.json").path) {
            return installed
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources/minicode", isDirectory: true)
    }

    static func resolve(_ option: String?) throws -> String {
        if let option { return option }
        if let path = ProcessInfo.processInfo.environment[environmentKey], !path.isEmpty { return path }
        guard FileManager.default.fileExists(atPath: embedded.appendingPathComponent("config.json").path) else {
            throw ValidationError("no --model given and the embedded model is missing at \(embedded.path)")
        }
        return embedded.path
    }
}
