import Foundation

/// Answers from a file instead of a model: JSON Lines of `{"task_id" (string or integer), "method", "nfe",
/// "sample" (default 0), "output", "nfe_used" (default nfe), "fill_up_draft" (optional)}`.
/// Scores outputs made elsewhere through the same extraction, sandbox and reports, and lets
/// the CLI be tested without a model.
public final class ReplayGenerator: Generator {
    struct Line: Decodable {
        var taskID: String
        var method: String
        var nfe: Int
        var sample: Int?
        var output: String
        var nfeUsed: Int?
        var fillUpDraft: String?

        enum CodingKeys: String, CodingKey {
            case method, nfe, sample, output
            case taskID = "task_id"
            case nfeUsed = "nfe_used"
            case fillUpDraft = "fill_up_draft"
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            // MBPP's ids are integers; suites hold them as decimal strings.
            if let number = try? c.decode(Int.self, forKey: .taskID) {
                taskID = String(number)
            } else {
                taskID = try c.decode(String.self, forKey: .taskID)
            }
            method = try c.decode(String.self, forKey: .method)
            nfe = try c.decode(Int.self, forKey: .nfe)
            sample = try c.decodeIfPresent(Int.self, forKey: .sample)
            output = try c.decode(String.self, forKey: .output)
            nfeUsed = try c.decodeIfPresent(Int.self, forKey: .nfeUsed)
            fillUpDraft = try c.decodeIfPresent(String.self, forKey: .fillUpDraft)
        }
    }

    private var answers: [SampleKey: Line] = [:]
    public let identity: String
    public let canvasLength = 0

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluationError.unreadableRun(path: path, reason: "cannot read the replay file")
        }
        identity = "replay:\(Fingerprint.hex(data))"
        let decoder = JSONDecoder()
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let line: Line
            do {
                line = try decoder.decode(Line.self, from: Data(raw))
            } catch {
                throw EvaluationError.invalidInput(file: path, line: number, reason: "not a replay line {task_id, method, nfe, output}")
            }
            let key = SampleKey(taskID: line.taskID, method: line.method, nfe: line.nfe, sample: line.sample ?? 0)
            guard answers[key] == nil else {
                throw EvaluationError.invalidInput(file: path, line: number, reason: "\(key) appears twice")
            }
            answers[key] = line
        }
    }

    public func parameters(method: String) throws -> String { "replay" }

    public func generate(_ request: GenerationRequest) throws -> GenerationOutput {
        let key = SampleKey(taskID: request.taskID, method: request.method, nfe: request.nfe, sample: request.sample)
        guard let line = answers[key] else {
            throw EvaluationError.invalidInput(file: identity, line: 0, reason: "no output for \(key)")
        }
        let trace = line.fillUpDraft.map { TraceSummary(fillUpDraft: $0) }
        return GenerationOutput(text: line.output, nfeUsed: line.nfeUsed ?? line.nfe, trace: trace)
    }
}
