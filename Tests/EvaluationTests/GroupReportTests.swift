import Testing
@testable import Evaluation

/// pass@1 per task group, for suites evaluated together (`--suite a,b`).
@Suite struct GroupReportTests {
    @Test func groupIsTheTaskIDUpToItsLastSlash() {
        #expect(GroupCell.group(of: "MiniCode/inst/12") == "MiniCode/inst")
        #expect(GroupCell.group(of: "HumanEval/0") == "HumanEval")
        #expect(GroupCell.group(of: "plain") == "")
    }

    @Test func cellsAverageCOverNPerTaskWithinEachGroup() throws {
        let cells = [
            TaskCell(taskID: "S/inst/0", method: "vanilla", nfe: 4, n: 3, c: 3),
            TaskCell(taskID: "S/inst/1", method: "vanilla", nfe: 4, n: 3, c: 0),
            TaskCell(taskID: "S/combo/0", method: "vanilla", nfe: 4, n: 3, c: 1),
            TaskCell(taskID: "S/inst/0", method: "tolerator", nfe: 4, n: 3, c: 2),
            TaskCell(taskID: "S/inst/1", method: "tolerator", nfe: 4, n: 3, c: 2),
            TaskCell(taskID: "S/combo/0", method: "tolerator", nfe: 4, n: 0, c: 0),  // no samples yet: left out
        ]
        let groups = try #require(EvalReport.groupCells(cells, order: ["S/inst/0", "S/inst/1", "S/combo/0"]))
        #expect(groups.map(\.group) == ["S/inst", "S/inst", "S/combo"])
        #expect(groups.map(\.method) == ["vanilla", "tolerator", "vanilla"])
        #expect(groups.map(\.tasks) == [2, 2, 1])
        #expect(groups.map(\.passAt1) == [0.5, 2.0 / 3.0, 1.0 / 3.0])
    }

    @Test func groupHeadingsCountTheFullestCell() {
        // Mid-run, TOLERATOR has samples for one combo task of two; the heading still says 2 tasks.
        let ids = ["S/inst/0", "S/combo/0", "S/combo/1"]
        let config = RunConfiguration(
            suitePath: "s.jsonl", suiteHash: "h", taskIDs: ids, model: "m", methods: ["tolerator", "vanilla"],
            methodParameters: [:], nfe: [4], samples: 1, seed: 0, canvasLength: 8, templates: [:], sandbox: "none")
        var report = EvalReport(configuration: config, rows: [])
        report.groups = EvalReport.groupCells([
            TaskCell(taskID: "S/inst/0", method: "tolerator", nfe: 4, n: 1, c: 1),
            TaskCell(taskID: "S/combo/0", method: "tolerator", nfe: 4, n: 1, c: 0),
            TaskCell(taskID: "S/inst/0", method: "vanilla", nfe: 4, n: 1, c: 0),
            TaskCell(taskID: "S/combo/0", method: "vanilla", nfe: 4, n: 1, c: 1),
            TaskCell(taskID: "S/combo/1", method: "vanilla", nfe: 4, n: 1, c: 1),
        ], order: ids)
        #expect(report.taskCount(inGroup: "S/combo") == 2)
        #expect(report.taskCount(inGroup: "S/inst") == 1)
        #expect(report.taskCount(inGroup: "S/other") == 0)
        #expect(ReportWriter.markdown(report).contains("task group `S/combo` (2 tasks)"))
        #expect(HTMLReport.groupTables(report).contains("S/combo (2 tasks)"))
    }

    @Test func oneGroupMeansNoGroupTables() {
        let cells = [TaskCell(taskID: "HumanEval/0", method: "vanilla", nfe: 4, n: 1, c: 1)]
        #expect(EvalReport.groupCells(cells, order: ["HumanEval/0", "HumanEval/1"]) == nil)
    }
}
