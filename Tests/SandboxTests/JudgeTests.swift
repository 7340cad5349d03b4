import Foundation
import Testing
@testable import Sandbox

/// The verdict logic alone, on hand-written record streams: only a complete, nonce-bearing
/// stream of passing records is a pass.
@Suite("Judge")
struct JudgeTests {
    let nonce = "n0nce"

    func observation(killedAtWall: Bool = false, stderr: String = "") -> Observation {
        Observation(records: [], killedAtWall: killedAtWall, exitCode: 0, exitSignal: nil, wallSeconds: 1.25,
                    cpuSeconds: 0, stdout: .empty,
                    stderr: OutputExcerpt(bytes: stderr.utf8.count, head: stderr, tail: "", truncated: false, lossy: false))
    }

    func lines(_ records: [String], nonce: String? = nil) -> [UInt8] {
        let n = nonce ?? self.nonce
        return Array(records.map { "{\"nonce\":\"\(n)\",\($0)}\n" }.joined().utf8)
    }

    func decide(_ records: [UInt8], expected: Int? = nil, _ obs: Observation? = nil) -> Judge.Decision {
        let judge = Judge(nonce: nonce, expectedTests: expected)
        return judge.decide(judge.parse(records), obs ?? observation())
    }

    let complete = [
        "\"type\":\"hello\"", "\"type\":\"load\",\"status\":\"ok\"", "\"type\":\"plan\",\"tests\":2",
        "\"type\":\"test\",\"index\":0,\"status\":\"pass\"", "\"type\":\"test\",\"index\":1,\"status\":\"pass\"",
        "\"type\":\"done\",\"tests\":2",
    ]

    @Test func completeStreamPasses() {
        #expect(decide(lines(complete)).verdict == .passed)
        #expect(decide(lines(complete), expected: 2).verdict == .passed)
    }

    @Test func wrongNonceIsIgnored() {
        #expect(decide(lines(complete, nonce: "guess")).verdict == .sandboxError)
        // A forged pass with the wrong nonce cannot replace a real failure.
        var mixed = complete
        mixed[4] = "\"type\":\"test\",\"index\":1,\"status\":\"fail\",\"source\":\"assert f(1) == 2\",\"message\":\"AssertionError\""
        let forged = lines(mixed) + lines(["\"type\":\"test\",\"index\":1,\"status\":\"pass\""], nonce: "guess")
        let d = decide(forged)
        #expect(d.verdict == .failed)
        #expect(d.failingTest == 1)
        #expect(d.message == "test 1 `assert f(1) == 2`: AssertionError")
    }

    @Test func missingRecordOrDoneFails() {
        var noRecord = complete
        noRecord.remove(at: 4)
        #expect(decide(lines(noRecord)) == Judge.Decision(
            verdict: .failed, message: "no record for test 1: the tester was terminated", failingTest: 1, signal: nil))
        #expect(decide(lines(Array(complete.dropLast()))).verdict == .failed)
        #expect(decide(lines(Array(complete.dropLast())), observation(killedAtWall: true)).verdict == .timeout)
    }

    @Test func duplicateRecordsFail() {
        var doubled = complete
        doubled.insert("\"type\":\"test\",\"index\":0,\"status\":\"pass\"", at: 4)
        #expect(decide(lines(doubled)).verdict == .failed)
    }

    @Test func planMustMatchTheSuite() {
        #expect(decide(lines(complete), expected: 3).verdict == .sandboxError)
    }

    @Test func zeroTestsNeverPass() {
        let empty = ["\"type\":\"hello\"", "\"type\":\"load\",\"status\":\"ok\"", "\"type\":\"plan\",\"tests\":0",
                     "\"type\":\"done\",\"tests\":0"]
        #expect(decide(lines(empty)).verdict == .failed)
    }

    @Test func loadStatusesMapToVerdicts() {
        func load(_ status: String) -> Verdict {
            decide(lines(["\"type\":\"hello\"", "\"type\":\"load\",\"status\":\"\(status)\",\"message\":\"m\",\"signal\":11"])).verdict
        }
        #expect(load("syntax_error") == .syntaxError)
        #expect(load("error") == .error)
        #expect(load("exited") == .error)
        #expect(load("memory") == .memory)
        #expect(load("timeout") == .timeout)
        #expect(load("crashed") == .crashed)
    }

    @Test func noHelloIsOursUnlessKilledAtWall() {
        let d = decide([], observation(stderr: "bwrap: No permissions to create new namespace\n"))
        #expect(d.verdict == .sandboxError)
        #expect(d.message == "the sandbox did not start: bwrap: No permissions to create new namespace")
        #expect(decide([], observation(killedAtWall: true)).verdict == .timeout)
        let internalError = Array("{\"type\":\"internal_error\",\"message\":\"KeyError: 'x'\"}\n".utf8)
        #expect(decide(lines(complete) + internalError).verdict == .sandboxError)
    }

    @Test func garbageLinesAreIgnored() {
        let noise = Array("not json\n{\"type\":\n\u{FF}\u{FE}\n".utf8)
        #expect(decide(noise + lines(complete)).verdict == .passed)
    }
}

@Suite("Output capture")
struct CaptureTests {
    @Test func keepsHeadAndTailAndCountsAll() {
        var capture = StreamCapture(cap: 8)
        let bytes = Array("0123456789abcdef".utf8)
        for chunk in stride(from: 0, to: bytes.count, by: 3) {
            bytes[chunk..<min(chunk + 3, bytes.count)].withUnsafeBufferPointer { capture.append($0) }
        }
        let excerpt = capture.excerpt
        #expect(excerpt.bytes == 16)
        #expect(excerpt.head == "0123")
        #expect(excerpt.tail == "cdef")
        #expect(excerpt.truncated)
        #expect(!excerpt.lossy)
    }

    @Test func shortOutputIsNotTruncated() {
        var capture = StreamCapture(cap: 100)
        Array("hello\n".utf8).withUnsafeBufferPointer { capture.append($0) }
        #expect(capture.excerpt == OutputExcerpt(bytes: 6, head: "hello\n", tail: "", truncated: false, lossy: false))
    }

    @Test func invalidUTF8IsReplacedAndFlagged() {
        var capture = StreamCapture(cap: 100)
        [0x61, 0xFF, 0x62].withUnsafeBufferPointer { capture.append($0) }
        #expect(capture.excerpt.head == "a\u{FFFD}b")
        #expect(capture.excerpt.lossy)
    }
}
