import Testing
@testable import PythonSource

@Suite struct DoctestTests {
    let source = #"""
        def clamp(x, low, high):
            """Clamp x.

            >>> clamp(5, 0, 3)
            3
            >>> for v in (1, 9):
            ...     print(clamp(v, 2, 4))
            2
            4

            >>> clamp(0, 1, 2)  # doctest: +ELLIPSIS, -NORMALIZE_WHITESPACE
            1
            >>> clamp(1, 0, 2)
            1
            >>> print("a\\nb")
            a
            b
            """
            ...
        """#

    @Test func examplesAreParsedLikeDoctest() throws {
        let function = try PythonFile(text: source, path: "m.py").function(named: "clamp")
        #expect(function.doctestExamples == [
            DoctestExample(source: "clamp(5, 0, 3)\n", want: "3\n", options: [:], line: 4),
            DoctestExample(
                source: "for v in (1, 9):\n    print(clamp(v, 2, 4))\n", want: "2\n4\n", options: [:], line: 6),
            DoctestExample(
                source: "clamp(0, 1, 2)  # doctest: +ELLIPSIS, -NORMALIZE_WHITESPACE\n", want: "1\n",
                options: ["ELLIPSIS": true, "NORMALIZE_WHITESPACE": false], line: 11),
            DoctestExample(source: "clamp(1, 0, 2)\n", want: "1\n", options: [:], line: 13),
            DoctestExample(source: "print(\"a\\nb\")\n", want: "a\nb\n", options: [:], line: 15),
        ])
    }

    @Test func crlfDocstringsReadLikeLF() throws {
        let crlf = "def f():\r\n    \"\"\"\r\n    >>> f()\r\n    1\r\n    \"\"\"\r\n    pass\r\n"
        let function = try PythonFile(text: crlf, path: "m.py").function(named: "f")
        #expect(function.doctestExamples == [DoctestExample(source: "f()\n", want: "1\n", options: [:], line: 3)])
    }

    @Test func statementsQuoteSourceAndWant() throws {
        let program = DoctestProgram(examples: [
            DoctestExample(source: "f('x')\n", want: "'x'\n", options: ["ELLIPSIS": true], line: 3),
        ])
        #expect(program.statements(globals: "globals()") == [
            #"_tolerator_run_example('f(\'x\')\n', '\'x\'\n', {'ELLIPSIS': True}, globals(), 2)"#,
        ])
        #expect(program.script(module: "pkg.m").hasSuffix(
            "_module = importlib.import_module('pkg.m')\n\n"
                + #"_tolerator_run_example('f(\'x\')\n', '\'x\'\n', {'ELLIPSIS': True}, vars(_module), 2)"# + "\n"))
    }

    @Test func moduleNames() {
        #expect(DoctestProgram.moduleName(forPath: "pkg/sub/mod.py") == "pkg.sub.mod")
        #expect(DoctestProgram.moduleName(forPath: "pkg/__init__.py") == "pkg")
        #expect(DoctestProgram.moduleName(forPath: "top.py") == "top")
    }
}
