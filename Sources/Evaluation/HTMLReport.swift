import Foundation
import Suites

/// `report.html`: one self-contained file (inline CSS and SVG, no scripts, fonts, images or
/// links to load) with the pass@1-versus-NFE chart, the task × method grid, and per task the
/// prompt, each method's final code, verdict, first failing test, and the TOLERATOR fill-up
/// draft against the refined answer as a diff.
enum HTMLReport {
    static func render(report: EvalReport, rows: [ResultRow], tasks: [SuiteTask]) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>tolerator eval: \(escape(report.suite))</title>
            <style>\(css)</style>
            </head>
            <body>
            <h1>tolerator eval</h1>

            """
        html += summary(report)
        html += "<h2>pass@1 versus NFE</h2>\n" + chart(report)
        html += verifiedTable(report)
        html += groupTables(report)
        html += cellTable(report)
        html += grid(report, tasks: tasks)
        html += details(report, rows: rows, tasks: tasks)
        html += "</body>\n</html>\n"
        return html
    }

    /// Plain and verified pass@1 per method and budget, when the run verified its samples.
    static func verifiedTable(_ report: EvalReport) -> String {
        guard let attempts = report.attempts, report.cells.contains(where: { $0.verifiedPassAt1 != nil }) else { return "" }
        var html = "<h2>verified pass@1 (%) with \(escape(attempts.label))</h2>\n"
            + "<p>plain → verified (mean forwards per answer, all attempts)</p>\n<table><tr><th>method</th>"
            + report.nfe.map { "<th>T=\($0)</th>" }.joined() + "</tr>\n"
        for method in report.methods {
            html += "<tr><td>\(escape(method))</td>" + report.nfe.map { t -> String in
                guard let cell = report.cell(method: method, nfe: t), let verified = cell.verifiedPassAt1 else { return "<td>–</td>" }
                return "<td>\(ReportWriter.percent(cell.passAtK["1"])) → <b>\(ReportWriter.percent(verified))</b> "
                    + "(\(String(format: "%.0f", cell.meanVerifiedNFE ?? 0)))</td>"
            }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    /// pass@1 per task group (one table each), when the run has more than one group.
    static func groupTables(_ report: EvalReport) -> String {
        guard report.groups != nil else { return "" }
        var html = "<h2>pass@1 (%) by task group</h2>\n"
        for group in report.groupNames {
            html += "<h3>\(escape(group)) (\(report.taskCount(inGroup: group)) tasks)</h3>\n<table><tr><th>method</th>"
                + report.nfe.map { "<th>T=\($0)</th>" }.joined() + "</tr>\n"
            for method in report.methods {
                html += "<tr><td>\(escape(method))</td>" + report.nfe.map { t in
                    "<td>" + (report.groupCell(group, method: method, nfe: t).map { String(format: "%.1f", $0.passAt1 * 100) } ?? "–") + "</td>"
                }.joined() + "</tr>\n"
            }
            html += "</table>\n"
        }
        return html
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:1200px;padding:0 1rem;color:#1d1d1f;background:#fff}
        h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}h3{margin:1.2rem 0 .4rem}
        table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ddd;padding:.2rem .45rem;text-align:right}
        th:first-child,td:first-child{text-align:left}pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.8rem;line-height:1.35;white-space:pre}
        code,pre{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace}.meta td{text-align:left}
        .grid td.cell{min-width:3.2rem;text-align:center}.grid a{color:inherit}
        .v-passed{color:#116329;font-weight:600}.v-bad{color:#a40e26;font-weight:600}
        .del{background:#ffebe9;display:block}.add{background:#dafbe1;display:block}.same{display:block}
        details{margin:.3rem 0 .3rem .5rem}summary{cursor:pointer}.small{color:#57606a;font-size:.8rem}
        .chart text{font-size:11px;fill:#333}.legend{font-size:.85rem}
        """

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func anchor(_ taskID: String) -> String {
        "task-" + String(taskID.map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

    static let palette = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#6e7781"]

    static func summary(_ r: EvalReport) -> String {
        var rows: [(String, String)] = [
            ("suite", "\(r.suite) (\(r.taskCount) tasks, hash \(r.suiteHash))"),
            ("model", r.model),
            ("methods", r.methods.joined(separator: ", ")),
            ("NFE budgets", r.nfe.map(String.init).joined(separator: ", ")),
            ("samples per task", "\(r.samplesPerTask) (seed \(r.seed), canvas length \(r.canvasLength))"),
            ("prompt templates", r.templates.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")),
            ("sandbox", r.sandbox),
            ("rows", "\(r.rows)/\(r.plannedRows)" + (r.complete ? "" : " (incomplete)")),
            ("configuration", r.configurationHash),
        ]
        rows.append(("code extraction", r.extractionMethods.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        return "<table class=\"meta\">\n" + rows.map { "<tr><th>\(escape($0.0))</th><td>\(escape($0.1))</td></tr>" }
            .joined(separator: "\n") + "\n</table>\n"
    }

    /// One line per method: pass@1 (%) against NFE on a log2 axis.
    static func chart(_ r: EvalReport) -> String {
        let width = 640.0, height = 300.0, left = 48.0, right = 16.0, top = 16.0, bottom = 36.0
        let budgets = r.nfe.sorted()
        guard let lo = budgets.first, let hi = budgets.last else { return "<p>No budgets.</p>\n" }
        let span = max(log2(Double(hi)) - log2(Double(lo)), 1)
        func x(_ t: Int) -> Double {
            budgets.count == 1 ? left + (width - left - right) / 2
                : left + (log2(Double(t)) - log2(Double(lo))) / span * (width - left - right)
        }
        func y(_ p: Double) -> Double { top + (1 - p) * (height - top - bottom) }
        var svg = "<svg class=\"chart\" role=\"img\" aria-label=\"pass@1 versus NFE\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            let yy = y(tick)
            svg += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(width - right)\" y2=\"\(yy)\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\">\(Int(tick * 100))%</text>\n"
        }
        for t in budgets {
            svg += "<text x=\"\(x(t))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(t)</text>\n"
        }
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 4)\" text-anchor=\"middle\">NFE budget T (log scale)</text>\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"#999\"/>\n"
        var legend = "<p class=\"legend\">"
        for (index, method) in r.methods.enumerated() {
            let color = palette[index % palette.count]
            let points = budgets.compactMap { t in r.cell(method: method, nfe: t)?.passAtK["1"].map { (t, $0) } }
            if points.count > 1 {
                let path = points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
                svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            }
            for (t, p) in points {
                svg += "<circle cx=\"\(x(t))\" cy=\"\(y(p))\" r=\"3.5\" fill=\"\(color)\"><title>\(escape(method)) T=\(t): \(String(format: "%.1f", p * 100))%</title></circle>\n"
            }
            legend += "<span style=\"color:\(color)\">&#9632; \(escape(method))</span> "
        }
        svg += "</svg>\n"
        return svg + legend + "</p>\n"
    }

    static func cellTable(_ r: EvalReport) -> String {
        var html = "<h2>pass@k by method and budget</h2>\n<table>\n<tr><th>method</th><th>T</th><th>mean NFE used</th><th>samples</th><th>passed</th><th>pass@k (%)</th><th>verdicts</th></tr>\n"
        for cell in r.cells {
            let ks = cell.passAtK.keys.compactMap(Int.init).sorted()
                .map { "@\($0) \(ReportWriter.percent(cell.passAtK[String($0)]))" }.joined(separator: ", ")
            let verdicts = cell.verdicts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            html += "<tr><td>\(escape(cell.method))</td><td>\(cell.nfe)</td><td>\(String(format: "%.1f", cell.meanNFEUsed))</td>"
                + "<td>\(cell.samples)</td><td>\(cell.passed)</td><td>\(escape(ks))</td><td>\(escape(verdicts))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// Tasks down, (method, T) across; cells shaded by pass rate, linked to the task's section.
    static func grid(_ r: EvalReport, tasks: [SuiteTask]) -> String {
        let columns = r.methods.flatMap { m in r.nfe.map { (m, $0) } }
        var index: [String: TaskCell] = [:]
        for cell in r.perTask { index["\(cell.taskID)\u{1F}\(cell.method)\u{1F}\(cell.nfe)"] = cell }
        var html = "<h2>Tasks × methods</h2>\n<p class=\"small\">passed/samples; green = all passed, red = none.</p>\n<table class=\"grid\">\n<tr><th>task</th>"
        html += columns.map { "<th>\(escape($0.0))<br>T=\($0.1)</th>" }.joined() + "</tr>\n"
        for task in tasks {
            html += "<tr><td><a href=\"#\(anchor(task.taskID))\">\(escape(task.taskID))</a></td>"
            for column in columns {
                guard let cell = index["\(task.taskID)\u{1F}\(column.0)\u{1F}\(column.1)"], cell.n > 0 else {
                    html += "<td class=\"cell\">–</td>"
                    continue
                }
                let rate = Double(cell.c) / Double(cell.n)
                // Red (0) to green (1) through pale yellow.
                let hue = Int(rate * 120)
                html += "<td class=\"cell\" style=\"background:hsl(\(hue),70%,85%)\">\(cell.c)/\(cell.n)</td>"
            }
            html += "</tr>\n"
        }
        return html + "</table>\n"
    }

    static func details(_ r: EvalReport, rows: [ResultRow], tasks: [SuiteTask]) -> String {
        var byTask: [String: [ResultRow]] = [:]
        for row in rows { byTask[row.taskID, default: []].append(row) }
        var html = "<h2>Per task</h2>\n"
        for task in tasks {
            html += "<section id=\"\(anchor(task.taskID))\">\n<h3>\(escape(task.taskID))</h3>\n"
            html += "<details><summary>Prompt</summary><pre>\(escape(task.prompt))</pre>"
            if !task.promptTests.isEmpty {
                html += "<pre>\(escape(task.promptTests.joined(separator: "\n")))</pre>"
            }
            html += "</details>\n"
            let taskRows = (byTask[task.taskID] ?? []).sorted { ($0.method, $0.nfe, $0.sample) < ($1.method, $1.nfe, $1.sample) }
            for method in r.methods {
                for budget in r.nfe {
                    let cellRows = taskRows.filter { $0.method == method && $0.nfe == budget }
                    guard !cellRows.isEmpty else { continue }
                    let passed = cellRows.filter(\.passed).count
                    html += "<details><summary>\(escape(method)) T=\(budget): \(passed)/\(cellRows.count) passed</summary>\n"
                    for row in cellRows { html += sample(row) }
                    html += "</details>\n"
                }
            }
            html += "</section>\n"
        }
        return html
    }

    static func sample(_ row: ResultRow) -> String {
        let verdictClass = row.passed ? "v-passed" : "v-bad"
        var html = "<div class=\"sample\"><p>sample \(row.sample): <span class=\"\(verdictClass)\">\(escape(row.result.verdictText))</span>"
        html += " <span class=\"small\">NFE used \(row.nfeUsed)/\(row.nfe) · template \(escape(row.templateID)) · extraction \(escape(row.extraction))"
        html += String(format: " · generation %.2f s · verification %.2f s", row.generationSeconds, row.verificationSeconds) + "</span></p>\n"
        if !row.passed {
            var failing = row.result.message
            if let index = row.result.failingTest, let test = row.result.tests.first(where: { $0.index == index }) {
                failing = "test \(index): \(test.source)\n\(test.message)"
            }
            html += "<p>First failure:</p><pre>\(escape(failing))</pre>\n"
        }
        html += "<p>Final code:</p><pre>\(escape(row.code))</pre>\n"
        if let draft = row.trace?.fillUpDraft {
            let edits = row.trace?.edits ?? 0
            html += "<details><summary>Fill-up draft → refined answer (\(edits) token edits\(row.trace?.earlyStop.map { ", stopped early: \($0)" } ?? ""))</summary><pre>"
            for line in LineDiff.diff(draft, row.rawOutput) {
                switch line {
                case .same(let s): html += "<span class=\"same\">  \(escape(s))</span>"
                case .removed(let s): html += "<span class=\"del\">- \(escape(s))</span>"
                case .added(let s): html += "<span class=\"add\">+ \(escape(s))</span>"
                }
            }
            html += "</pre></details>\n"
        }
        html += "<details><summary>Raw output</summary><pre>\(escape(row.rawOutput))</pre></details></div>\n"
        return html
    }
}
