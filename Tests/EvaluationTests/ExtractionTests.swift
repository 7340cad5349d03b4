import Testing
@testable import Evaluation

@Suite struct ExtractionTests {
    let prompt = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n"

    func extract(_ raw: String, _ style: CodeExtractor.Style = .instruct, prompt: String? = nil,
                 entry: String = "add", stops: [String] = []) -> ExtractedCode {
        CodeExtractor.extract(raw: raw, style: style, prompt: prompt ?? self.prompt, entryPoint: entry, stops: stops)
    }

    @Test func plainContinuationIsKeptAsIs() {
        let e = extract("    return a + b\n", .completion)
        #expect(e.completion == "    return a + b\n")
        #expect(e.code == prompt + "    return a + b\n")
        #expect(e.method == "raw")
    }

    @Test func stopSequencesCutTheContinuation() {
        let e = extract("    return a + b\n\nprint(add(1, 2))\nassert add(1, 1) == 2\n", .completion,
                        stops: ["\nprint(", "\nassert "])
        #expect(e.completion == "    return a + b\n")
        #expect(e.method == "stop")
    }

    @Test func proseAroundAFencedBlock() {
        let raw = """
            Sure! Here is the code:

            ```python
            def add(a, b):
                return a + b
            ```

            This function returns the sum of a and b.
            """
        let e = extract(raw)
        #expect(e.method == "fence")
        #expect(e.completion == "def add(a, b):\n    return a + b")
        #expect(e.code == prompt + "def add(a, b):\n    return a + b")
    }

    @Test func twoCodeBlocksPickTheOneDefiningTheEntryPoint() {
        let raw = """
            First an example:
            ```python
            print(add(2, 3))
            ```
            And the solution:
            ```python
            import math

            def helper(x):
                return x

            def add(a, b):
                return helper(a) + b
            ```
            """
        let e = extract(raw)
        #expect(e.method == "fence")
        #expect(e.completion.contains("def add(a, b):\n    return helper(a) + b"))
        #expect(e.completion.hasPrefix("import math\n"))
        #expect(!e.completion.contains("print("))
    }

    @Test func truncatedLastLineIsDroppedBySanitizing() {
        // The answer ran out of canvas mid-expression and never closed its fence.
        let raw = "```python\ndef add(a, b):\n    total = a + b\n    return total\n\ndef unused(x):\n    return (x +"
        let e = extract(raw)
        #expect(e.method == "fence-unclosed+sanitize")
        #expect(e.completion == "def add(a, b):\n    total = a + b\n    return total\n")
    }

    @Test func truncatedBodyKeepsTheCompletePrefix() {
        let raw = "def add(a, b):\n    s = a + b\n    return s\n    if s > 10:\n        return s -"
        let e = extract(raw)
        #expect(e.completion == "def add(a, b):\n    s = a + b\n    return s\n")
        #expect(e.method == "sanitize")
    }

    @Test func tabsAndCRLFAreNormalised() {
        let e = extract("\treturn a + b\r\n", .completion)
        #expect(e.completion == "    return a + b\n")
        #expect(e.method == "crlf+tabs")
    }

    @Test func indentedInstructAnswerContinuesThePrompt() {
        let e = extract("```python\n    return a + b\n```")
        #expect(e.completion == "    return a + b")
        #expect(e.method == "fence+body")
    }

    @Test func mainGuardAndTestsAreDropped() {
        let raw = """
            def add(a, b):
                return a + b

            assert add(1, 2) == 3
            if __name__ == "__main__":
                print(add(1, 2))
            """
        let e = extract(raw, prompt: "", entry: "add")
        #expect(e.completion == "def add(a, b):\n    return a + b\n")
        #expect(e.method == "sanitize")
    }

    @Test func mbppCompletionWithoutPromptIsWholeCode() {
        let e = extract("def f(x):\n    return x * 2\n[DONE]\nnonsense", .completion, prompt: "", entry: "f", stops: ["[DONE]"])
        #expect(e.completion == "def f(x):\n    return x * 2\n")
        #expect(e.method == "stop")
    }

    @Test func unreachableDefinitionsAreDroppedButImportsKept() {
        let code = "import os\nfrom math import sqrt\n\nK = 3\n\ndef g():\n    return 1\n\ndef f(x):\n    return sqrt(x) * K\n"
        #expect(Sanitizer.sanitize(code, entryPoint: "f") == "import os\n\nfrom math import sqrt\n\nK = 3\n\ndef f(x):\n    return sqrt(x) * K\n")
        // Unknown entry point: every definition stays.
        #expect(Sanitizer.sanitize(code, entryPoint: "zzz").contains("def g():"))
    }

    @Test func structureReadsStringsBracketsAndComments() {
        let code = "x = '''a\n# not a comment\n'''  # real comment (\ny = [1,\n     2]\ns = \"a(b\"\n"
        let lines = PythonStructure(code).logical
        #expect(lines.map(\.first) == [0, 3, 5])
        #expect(lines.map(\.last) == [2, 4, 5])
        #expect(lines.allSatisfy { $0.closed })
        #expect(!PythonStructure.looksLikeCode("Here is the code:"))
        #expect(PythonStructure.looksLikeCode("return x if y else z"))
        #expect(PythonStructure.looksLikeCode("from a import b as c"))
    }
}
