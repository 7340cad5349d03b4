import Testing
@testable import PythonSource

/// A file with the constructs that trip naive scanners: decorators, multi-line signatures,
/// strings holding "def", nested functions, methods, and a docstring with both quote kinds.
let tricky = #"""
import os
from typing import (
    Dict,
    List,
)

TEMPLATE = """
def fake(x):
    return x
"""


@cache
@other.decorator(key="a:b")
def parse(text: str,
          sep: str = ":",  # a colon inside brackets
          *, limit: int = 10) -> Dict[str, List[int]]:
    """Split "text" on 'sep'.

    >>> parse("a:1")
    {'a': [1]}
    """
    raise NotImplementedError("parse")


class Box(Base):
    """A box."""

    def __init__(self, size):
        self.size = size

    def area(self) -> int:
        # TODO: compute the area
        pass

    @staticmethod
    def unit():
        ...


def outer():
    def inner(y):
        pass
    return inner


async def fetch(url):
    "Fetch it."


def done(x): return x + 1
"""#

@Suite struct FunctionLookupTests {
    let file = try! PythonFile(text: tricky, path: "pkg/tricky.py")

    @Test func namesExcludeStringContents() {
        #expect(file.qualifiedNames == [
            "parse", "Box", "Box.__init__", "Box.area", "Box.unit", "outer", "outer.inner", "fetch", "done",
        ])
    }

    @Test func decoratedMultiLineSignature() throws {
        let function = try file.function(named: "parse")
        #expect(function.signature == """
            @cache
            @other.decorator(key="a:b")
            def parse(text: str,
                      sep: str = ":",  # a colon inside brackets
                      *, limit: int = 10) -> Dict[str, List[int]]:
            """)
        #expect(function.line == 15)
        #expect(function.stubKind == .notImplemented)
        #expect(function.docstring == "\"\"\"Split \"text\" on 'sep'.\n\n    >>> parse(\"a:1\")\n    {'a': [1]}\n    \"\"\"")
        #expect(function.bodyIndent == "    ")
    }

    @Test func methodsAndNestedFunctions() throws {
        let area = try file.function(named: "Box.area")
        #expect(area.stubKind == .pass)
        #expect(area.bodyIndent == "        ")
        #expect(area.enclosingHeaders == ["class Box(Base):"])
        #expect(try file.function(named: "Box.unit").stubKind == .ellipsis)
        #expect(try file.function(named: "Box.unit").signature == "    @staticmethod\n    def unit():")
        #expect(try file.function(named: "outer.inner").stubKind == .pass)
        #expect(try file.function(named: "outer").stubKind == nil)
        #expect(try file.function(named: "Box.__init__").stubKind == nil)
        #expect(try file.function(named: "fetch").stubKind == .docstringOnly)
        #expect(try file.function(named: "done").stubKind == nil)
    }

    @Test func importsKeepContinuationLines() {
        #expect(file.imports == ["import os", "from typing import (\n    Dict,\n    List,\n)"])
    }

    @Test func promptText() throws {
        let prompt = try file.function(named: "Box.area").prompt()
        #expect(prompt.text == """
            import os
            from typing import (
                Dict,
                List,
            )

            class Box(Base):
                def area(self) -> int:

            """)
    }

    @Test func notFoundListsSimilarNames() {
        #expect(throws: PythonSourceError.functionNotFound(name: "pars", path: "pkg/tricky.py", similar: ["parse"])) {
            try file.function(named: "pars")
        }
        #expect(throws: PythonSourceError.functionNotFound(name: "fake", path: "pkg/tricky.py", similar: [])) {
            try file.function(named: "fake")
        }
        let error = PythonSourceError.functionNotFound(name: "Box.aera", path: "pkg/tricky.py", similar: file.similarNames(to: "Box.aera"))
        #expect(error.description == "no function `Box.aera` in pkg/tricky.py; similar names: Box.area")
    }

    @Test func classIsNotAFunction() {
        #expect(throws: PythonSourceError.notAFunction(name: "Box", path: "pkg/tricky.py", line: 26)) {
            try file.function(named: "Box")
        }
    }

    @Test func realBodyIsNotAStub() throws {
        let error = #expect(throws: PythonSourceError.self) { try file.function(named: "outer").requireStub() }
        #expect(error?.description == "`outer` in pkg/tricky.py (line 41) already has a body (`def inner(y):`); "
            + "a stub body is `...`, `pass`, `raise NotImplementedError`, a docstring or TODO comments")
    }

    @Test func binaryFilesAreRefused() {
        #expect(throws: PythonSourceError.binary(path: "x.py")) { try PythonFile(bytes: [0x61, 0, 0x62], path: "x.py") }
        #expect(throws: PythonSourceError.binary(path: "x.py")) { try PythonFile(bytes: [0xFF, 0xFE], path: "x.py") }
    }

    @Test func commentOnlyAndRaiseForms() throws {
        let source = """
            def a():
                # TODO: write me

            def b():
                raise NotImplementedError

            def c():
                raise NotImplementedError() + 1

            def d():
                raise ValueError("no")
            """
        let file = try PythonFile(text: source, path: "s.py")
        #expect(try file.function(named: "a").stubKind == .commentsOnly)
        #expect(try file.function(named: "b").stubKind == .notImplemented)
        #expect(try file.function(named: "c").stubKind == nil)
        #expect(try file.function(named: "d").stubKind == nil)
    }

    @Test func stringLiteralValues() {
        #expect(StringLiteral.value(of: #""""a\"b\n\x41\u00e9""""#) == "a\"b\nAé")
        #expect(StringLiteral.value(of: #"r'''a\nb'''"#) == #"a\nb"#)
        #expect(StringLiteral.value(of: #"'x\qy'"#) == #"x\qy"#)
        #expect(StringLiteral.python("it's\n\\\u{01}é") == #"'it\'s\n\\\x01é'"#)
    }
}
