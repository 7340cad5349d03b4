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
    /// Verified generation: mean over tasks of the share of samples whose chosen answer passed
    /// the hidden tests (nil when no row of the cell ran the attempt loop).
    public var verifiedPassAt1: Double?
    /// Mean forwards per sample across its attempts.
    public var meanVerifiedNFE: Double?
    /// Samples whose chosen answer passed every visible test.
    public var verifiedSamples: Int?

    enum CodingKeys: String, CodingKey {
        case method, nfe, tasks, samples, passed, verdicts
        case verifiedPassAt1 = "verified_pass_at_1"
        case meanVerifiedNFE = "mean_verified_nfe"
        case verifiedSamples = "verified_samples"
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

/// pass@1 of one (task group, method, NFE): the group is the task id up to its last `/`
/// (`MiniCode/inst/3` → `MiniCode/inst`), so suites evaluated together keep their own numbers.
public struct GroupCell: Codable, Sendable, Equatable {
    public var group: String
    public var method: String
    public var nfe: Int
    public var tasks: Int
    public var passAt1: Double

    enum CodingKeys: String, CodingKey {
        case group, method, nfe, tasks
        case passAt1 = "pass_at_1"
    }

    /// The group of a task id.
    public static func group(of taskID: String) -> String {
        guard let slash = taskID.lastIndex(of: "/") else { return "" }
        return String(taskID[..<slash])
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
    /// Per task group, when the tasks come in more than one (nil otherwise, and in older reports).
    public var groups: [GroupCell]?
    /// `--attempts N --strategy S`, when the run verified its samples.
    public var attempts: AttemptSettings?

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
        case groups = "by_task_group"
        case attempts
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
                let verified = byTask.values.map { $0.compactMap(\.verification) }.filter { !$0.isEmpty }
                if !verified.isEmpty {
                    let all = verified.flatMap { $0 }
                    let perTaskRates: [Double] = verified.map { list in
                        Double(list.filter(\.chosenPassed).count) / Double(list.count)
                    }
                    let forwards: Double = all.reduce(0) { $0 + Double($1.nfeTotal) }
                    cells[cells.count - 1].verifiedPassAt1 = perTaskRates.reduce(0, +) / Double(verified.count)
                    cells[cells.count - 1].meanVerifiedNFE = forwards / Double(all.count)
                    cells[cells.count - 1].verifiedSamples = all.filter(\.verified).count
                }
            }
        }
        self.cells = cells
        self.perTask = perTask
        self.groups = Self.groupCells(perTask, order: configuration.taskIDs)
        self.attempts = configuration.attempts
    }

    static func groupCells(_ perTask: [TaskCell], order taskIDs: [String]) -> [GroupCell]? {
        var groupOrder: [String] = []
        for id in taskIDs where !groupOrder.contains(GroupCell.group(of: id)) { groupOrder.append(GroupCell.group(of: id)) }
        guard groupOrder.count > 1 else { return nil }
        var cells: [GroupCell] = []
        var cellOrder: [String] = []
        var sums: [String: (group: String, method: String, nfe: Int, tasks: Int, total: Double)] = [:]
        for cell in perTask where cell.n > 0 {
            let group = GroupCell.group(of: cell.taskID)
            let key = "\(group)\u{1F}\(cell.method)\u{1F}\(cell.nfe)"
            if sums[key] == nil { cellOrder.append(key) }
            var entry = sums[key] ?? (group, cell.method, cell.nfe, 0, 0)
            entry.tasks += 1
            entry.total += Double(cell.c) / Double(cell.n)
            sums[key] = entry
        }
        for group in groupOrder {
            for key in cellOrder {
                guard let entry = sums[key], entry.group == group else { continue }
                cells.append(GroupCell(group: group, method: entry.method, nfe: entry.nfe, tasks: entry.tasks,
                                       passAt1: entry.total / Double(entry.tasks)))
            }
        }
        return cells
    }

    /// The task groups in task order (empty when the report has no group cells).
    public var groupNames: [String] {
        var names: [String] = []
        for cell in groups ?? [] where !names.contains(cell.group) { names.append(cell.group) }
        return names
    }

    /// Tasks in a group: the most any of its cells counted (a cell whose samples are not all in
    /// yet counts fewer).
    public func taskCount(inGroup group: String) -> Int {
        (groups ?? []).filter { $0.group == group }.map(\.tasks).max() ?? 0
    }

    public func groupCell(_ group: String, method: String, nfe: Int) -> GroupCell? {
        groups?.first { $0.group == group && $0.method == method && $0.nfe == nfe }
    }

    public func cell(method: String, nfe: Int) -> ReportCell? {
        cells.first { $0.method == method && $0.nfe == nfe }
    }

    public var complete: Bool { rows == plannedRows }
}
