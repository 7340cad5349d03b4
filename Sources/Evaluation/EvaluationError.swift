/// Errors of `tolerator eval`; each names the file, field or setting at fault.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case invalidTemplate(file: String, line: Int, reason: String)
    case chatTemplateRequired(templateID: String)
    /// A line of an input file (replay outputs) that cannot be used.
    case invalidInput(file: String, line: Int, reason: String)
    case configurationChanged(folder: String, differences: [String])
    case unreadableRun(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case unknownMethod(String)
    case noTasks(suite: String)
    case malformedSuite(issues: [String])
    case generationFailed(taskID: String, method: String, nfe: Int, sample: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidTemplate(let file, let line, let reason):
            return line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)"
        case .invalidInput(let file, let line, let reason):
            return line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)"
        case .chatTemplateRequired(let id):
            return "prompt template \(id) is instruct style and needs the model's chat template (none found; use --prompt-style completion)"
        case .configurationChanged(let folder, let differences):
            return "\(folder) holds a run with a different configuration; refusing to mix results.\n"
                + differences.map { "  " + $0 }.joined(separator: "\n")
                + "\nUse another --out folder, or delete \(folder) to start over."
        case .unreadableRun(let path, let reason): return "\(path): cannot read the run (\(reason))"
        case .unwritable(let path, let reason): return "\(path): cannot write (\(reason))"
        case .unknownMethod(let name): return "unknown method \(name.debugDescription): expected vanilla, tolerator, remdm or rcr"
        case .noTasks(let suite): return "\(suite): no tasks to evaluate"
        case .malformedSuite(let issues): return "malformed suite lines:\n" + issues.map { "  " + $0 }.joined(separator: "\n")
        case .generationFailed(let task, let method, let nfe, let sample, let reason):
            return "generation failed for \(task) \(method) nfe=\(nfe) sample=\(sample): \(reason)"
        }
    }
}
