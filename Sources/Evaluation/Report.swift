import Foundation

/// The unbiased pass@k estimator of Chen et al. (2021): 1 − C(n−c, k) / C(n, k).
public enum PassAtK {
    /// Exact for any n; nil when k > n (undefined).
    public static func estimate(n: Int, c: Int, k: Int) -> Double? {
        guard k >= 1, k <= n, c >= 0, c <= n else { return nil }
        if n - c < k { return 1 }
        // The product form avoids huge binomials: Π_{i=n−c+1}^{n} (1 − k/i).
        if c == 0 { return 0 }
        var product = 1.0
        for i in (n - c + 1)...n { product *= 1 - Double(k) / Double(i) }
        return 1 - product
    }

    /// The ks reported by default, kept where every task has at least k samples.
    public static let standardKs = [1, 2, 5, 10, 20, 50, 100]
}

/// One (method, NFE) cell of the grid.
public struct ReportCell: Codable, Sendable, Equatable {
    public var method: String
    public var nfe: Int
    public var tasks: Int
    public var samples: Int
    public var passed: Int
    /// Mean over tasks of the per-task estimate; keys are k as strings ("1", "5", …).
    public var passAtK: [String: Double]
    public var meanNFEUsed: Double
    public var verdicts: [String: Int]
    public var meanGenerationSeconds: Double

    enum CodingKeys: String, CodingKey {
        case method, nfe, tasks, samples, passed, verdicts
        case passAtK = "pass_at_k"
        case meanNFEUsed = "mean_nfe_used"
        case meanGenerationSeconds = "mean_generation_s"
    }
}

/// Per task and cell: samples and passes.
public struct TaskCell: Codable, Sendable, Equatable {
    public var taskID: String
    public var method: String
    public var nfe: Int
    public var n: Int
    public var c: Int

    enum CodingKeys: String, CodingKey {
        case method, nfe, n, c
        case taskID = "task_id"
    }
}

/// `report.json`: everything the Markdown and HTML reports show, computed from the rows alone.
public struct EvalReport: Codable, Sendable, Equatable {
    public var configurationHash: String
    public var suite: String
    public var suiteHash: String
    public var model: String
    public var sandbox: String
    public var templates: [String: String]
    public var methods: [String]
    public var nfe: [Int]
    public var taskCount: Int
    public var samplesPerTask: Int
    public var seed: UInt64
    public var canvasLength: Int
    /// Rows present / rows the plan has.
    public var rows: Int
    public var plannedRows: Int
    public var extractionMethods: [String: Int]
    public var cells: [ReportCell]
    public var perTask: [TaskCell]

    enum CodingKeys: String, CodingKey {
        case suite, model, sandbox, templates, methods, nfe, seed, rows, cells
        case configurationHash = "configuration_hash"
        case suiteHash = "suite_hash"
        case taskCount = "task_count"
        case samplesPerTask = "samples_per_task"
        case canvasLength = "canvas_length"
        case plannedRows = "planned_rows"
        case extractionMethods = "extraction_methods"
        case perTask = "per_task"
    }

    public init(configuration: RunConfiguration, rows: [ResultRow]) {
        configurationHash = configuration.hash
        suite = configuration.suitePath
        suiteHash = configuration.suiteHash
        model = configuration.model
        sandbox = configuration.sandbox
        templates = configuration.templates
        methods = configuration.methods
        nfe = configuration.nfe
        taskCount = configuration.taskIDs.count
        samplesPerTask = configuration.samples
        seed = configuration.seed
        canvasLength = configuration.canvasLength
        self.rows = rows.count
        plannedRows = configuration.taskIDs.count * configuration.methods.count * configuration.nfe.count * configuration.samples
        extractionMethods = rows.reduce(into: [:]) { $0[$1.extraction, default: 0] += 1 }

        var grouped: [String: [String: [ResultRow]]] = [:]  // "method\u{1F}nfe" → task → rows
        for row in rows { grouped["\(row.method)\u{1F}\(row.nfe)", default: [:]][row.taskID, default: []].append(row) }
        var cells: [ReportCell] = []
        var perTask: [TaskCell] = []
        for method in configuration.methods {
            for budget in configuration.nfe {
                let byTask = grouped["\(method)\u{1F}\(budget)"] ?? [:]
                let counts = configuration.taskIDs.map { id -> (String, Int, Int) in
                    let list = byTask[id] ?? []
                    return (id, list.count, list.filter(\.passed).count)
                }
                for (id, n, c) in counts { perTask.append(TaskCell(taskID: id, method: method, nfe: budget, n: n, c: c)) }
                let cellRows = byTask.values.flatMap { $0 }
                let minimum = counts.map(\.1).min() ?? 0
                var passAtK: [String: Double] = [:]
                for k in PassAtK.standardKs where k <= minimum && !counts.isEmpty {
                    let estimates = counts.compactMap { PassAtK.estimate(n: $0.1, c: $0.2, k: k) }
                    passAtK[String(k)] = estimates.reduce(0, +) / Double(estimates.count)
                }
                let verdicts = cellRows.reduce(into: [String: Int]()) { $0[$1.result.verdict.rawValue, default: 0] += 1 }
                let count = Double(max(cellRows.count, 1))
                cells.append(ReportCell(
                    method: method, nfe: budget, tasks: counts.filter { $0.1 > 0 }.count, samples: cellRows.count,
                    passed: cellRows.filter(\.passed).count, passAtK: passAtK,
                    meanNFEUsed: cellRows.reduce(0) { $0 + Double($1.nfeUsed) } / count, verdicts: verdicts,
                    meanGenerationSeconds: cellRows.reduce(0) { $0 + $1.generationSeconds } / count))
            }
        }
        self.cells = cells
        self.perTask = perTask
    }

    public func cell(method: String, nfe: Int) -> ReportCell? {
        cells.first { $0.method == method && $0.nfe == nfe }
    }

    public var complete: Bool { rows == plannedRows }
}
