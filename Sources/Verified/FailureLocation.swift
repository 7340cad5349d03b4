import Foundation
import Sandbox

/// Where a failure points in a candidate, as canvas positions to re-mask.
///
/// - A syntax error names a line of the program (code prompt + completion): the tokens on that
///   completion line and the one before it (Python often reports the line after the mistake).
/// - An exception the candidate's own code raised: the completion line its traceback named last
///   (the sandbox reports it as `candidateLine`).
/// - An extraction cut: every answer token from the cut on.
/// - Anything else (a wrong value, a timeout, an exception outside the completion) names no line,
///   so the whole body is refined at a higher re-mask rate (`wholeBody`).
public struct FailureLocation: Sendable, Equatable {
    public var remask: [Int]
    public var wholeBody: Bool

    public init(remask: [Int], wholeBody: Bool) {
        self.remask = remask
        self.wholeBody = wholeBody
    }

    /// `promptLines`: how many lines of the program precede the completion's first line.
    public static func locate(_ draft: Draft, _ result: ExecutionResult, promptLines: Int) -> FailureLocation {
        var positions = Set<Int>()
        if let cut = draft.extractionCut, cut < draft.answerEnd {
            positions.formUnion(cut..<draft.answerEnd)
        }
        if result.verdict == .syntaxError, let line = syntaxErrorLine(result.message) {
            let completionLine = line - 1 - promptLines
            let lines: Set<Int> = [completionLine - 1, completionLine]
            for (index, tokenLine) in draft.tokenLines.enumerated() where lines.contains(tokenLine) {
                positions.insert(index)
            }
            // The error is past the answer's last token (an unclosed bracket at the end): the end of
            // text is part of the mistake, so the canvas after the answer may be rewritten too.
            if completionLine >= (draft.tokenLines.last ?? -1), draft.answerEnd < draft.canvas.count {
                positions.insert(draft.answerEnd)
            }
        }
        if result.verdict != .syntaxError, let line = result.candidateLine {
            let completionLine = line - 1 - promptLines
            for (index, tokenLine) in draft.tokenLines.enumerated() where tokenLine == completionLine {
                positions.insert(index)
            }
        }
        if positions.isEmpty { return FailureLocation(remask: [], wholeBody: true) }
        return FailureLocation(remask: positions.sorted(), wholeBody: false)
    }

    /// The line number in a Python SyntaxError message: "... (<candidate>, line 7)" or "line 7".
    static func syntaxErrorLine(_ message: String) -> Int? {
        guard let range = message.range(of: "line ", options: .backwards) else { return nil }
        let digits = message[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
