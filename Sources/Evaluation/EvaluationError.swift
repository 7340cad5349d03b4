/// Errors of `tolerator eval`; each names the file, field or setting at fault.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case invalidTemplate(file: String, line: Int, reason: String)
    case chatTemplateRequired(templateID: String)
    /// A line of an input file (replay outputs) that cannot be used.
    case invalidInput(file: String, line: Int, reason: String)
    case configurationChanged(folder: String, differences: [String])
    case unreadableRun(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// An output folder with files but no run.json: eval would overwrite `overwritten`.
    case notARunFolder(folder: String, overwritten: [String], others: [String])
    /// Another eval holds the folder's lock.
    case folderInUse(folder: String)
    case unknownMethod(String)
    case noTasks(suite: String)
    case malformedSuite(issues: [String])
    case generationFailed(taskID: String, method: String, nfe: Int, sample: Int, reason: String)
    /// `merge` refuses shards that are not one whole run; the reason names the folder.
    case mergeRefused(String)

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
        case .notARunFolder(let folder, let overwritten, let others):
            let listed = (overwritten + others).prefix(6).joined(separator: ", ") + (overwritten.count + others.count > 6 ? ", ..." : "")
            return "\(folder) holds files but no run.json, so it is not a tolerator eval folder ("
                + (overwritten.isEmpty ? "it holds \(listed)" : "eval would overwrite \(overwritten.joined(separator: ", "))")
                + "); refusing to write there. Choose an empty or new --out."
        case .folderInUse(let folder):
            return "\(folder) is in use by another tolerator eval (it holds the lock on \(RunFolder.lockFileName)); "
                + "wait for it to finish or choose another --out"
        case .unknownMethod(let name): return "unknown method \(name.debugDescription): expected vanilla, tolerator, remdm or rcr"
        case .noTasks(let suite): return "\(suite): no tasks to evaluate"
        case .malformedSuite(let issues): return "malformed suite lines:\n" + issues.map { "  " + $0 }.joined(separator: "\n")
        case .generationFailed(let task, let method, let nfe, let sample, let reason):
            return "generation failed for \(task) \(method) nfe=\(nfe) sample=\(sample): \(reason)"
        case .mergeRefused(let reason): return "merge: \(reason)"
        }
    }
}
