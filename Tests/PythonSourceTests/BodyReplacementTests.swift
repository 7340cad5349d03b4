import Testing
@testable import PythonSource

/// Replaces `name`'s body in `source` and returns the new file as text.
func replaced(_ source: String, _ name: String, with candidate: String) throws -> String {
    let file = try PythonFile(text: source, path: "t.py")
    return String(decoding: try file.function(named: name).replacingBody(with: candidate), as: UTF8.self)
}

@Suite struct BodyReplacementTests {
    @Test func keepsDocstringAndEverythingAround() throws {
        let source = #"""
            import math

            def area(r):
                """Area of a circle with "radius" r."""
                # TODO
                ...


            def other():
                return 1
            """#
        #expect(try replaced(source, "area", with: "return math.pi * r ** 2\n") == #"""
            import math

            def area(r):
                """Area of a circle with "radius" r."""
                return math.pi * r ** 2


            def other():
                return 1
            """#)
    }

    @Test func methodReindentedFromCompletionShape() throws {
        let source = """
            class Box:
                def area(self):
                    pass

                @staticmethod
                def unit():
                    return Box()
            """
        // A completion after an indented prompt: first line flush left, the rest indented.
        let candidate = "total = 0\n    for side in self.sides:\n        total += side\n    return total\n"
        #expect(try replaced(source, "Box.area", with: candidate) == """
            class Box:
                def area(self):
                    total = 0
                    for side in self.sides:
                        total += side
                    return total

                @staticmethod
                def unit():
                    return Box()
            """)
    }

    @Test func repeatedHeaderDocstringAndTrailingCodeAreDropped() throws {
        let source = #"""
            def add(a, b):
                """Add."""
                raise NotImplementedError
            """#
        let candidate = #"""
            def add(a, b):
                """Add."""
                if a is None:
                    return b
                return a + b


            print(add(1, 2))
            """#
        #expect(try replaced(source, "add", with: candidate) == #"""
            def add(a, b):
                """Add."""
                if a is None:
                    return b
                return a + b
            """#)
    }

    @Test func tabsFileGetsTabs() throws {
        let source = "def f(xs):\n\t\"\"\"Doc.\"\"\"\n\tpass\n\ndef g():\n\treturn 2\n"
        let candidate = "    out = []\n    for x in xs:\n        if x:\n            out.append(x)\n    return out\n"
        #expect(try replaced(source, "f", with: candidate)
            == "def f(xs):\n\t\"\"\"Doc.\"\"\"\n\tout = []\n\tfor x in xs:\n\t\tif x:\n\t\t\tout.append(x)\n\treturn out\n\ndef g():\n\treturn 2\n")
    }

    @Test func twoSpaceFileGetsTwoSpaces() throws {
        let source = "class A:\n  def f(self, x):\n    ...\n"
        let candidate = "if x:\n    return 1\nreturn 2"
        #expect(try replaced(source, "A.f", with: candidate)
            == "class A:\n  def f(self, x):\n    if x:\n      return 1\n    return 2\n")
    }

    @Test func crlfFileStaysCRLF() throws {
        let source = "import os\r\n\r\ndef f(x):\r\n    \"\"\"Doc.\"\"\"\r\n    pass\r\n\r\ndef g():\r\n    return 2\r\n"
        #expect(try replaced(source, "f", with: "y = x + 1\nreturn y\n")
            == "import os\r\n\r\ndef f(x):\r\n    \"\"\"Doc.\"\"\"\r\n    y = x + 1\r\n    return y\r\n\r\ndef g():\r\n    return 2\r\n")
    }

    @Test func oneLinerIsExpanded() throws {
        let source = "def f(x): ...  # TODO\ndef g(): \"Doc.\"\n"
        #expect(try replaced(source, "f", with: "return x * 2") == "def f(x):\n    return x * 2\ndef g(): \"Doc.\"\n")
        #expect(try replaced(source, "g", with: "return 1") == "def f(x): ...  # TODO\ndef g():\n    \"Doc.\"\n    return 1\n")
    }

    @Test func stringContentsAndContinuationsKeepTheirShape() throws {
        let source = "class A:\n    def text(self):\n        pass\n"
        let candidate = """
            message = '''line one
              line two'''
            parts = [1,
                     2]
            return message + str(parts)
            """
        #expect(try replaced(source, "A.text", with: candidate) == """
            class A:
                def text(self):
                    message = '''line one
              line two'''
                    parts = [1,
                             2]
                    return message + str(parts)

            """)
    }

    @Test func fileWithoutFinalNewline() throws {
        #expect(try replaced("def f():\n    pass", "f", with: "return 1") == "def f():\n    return 1")
        #expect(try replaced("def f():\n    \"\"\"D.\"\"\"", "f", with: "return 1") == "def f():\n    \"\"\"D.\"\"\"\n    return 1")
    }

    @Test func emptyCandidateIsRefused() throws {
        let file = try PythonFile(text: "def f():\n    \"\"\"D.\"\"\"\n", path: "t.py")
        #expect(throws: PythonSourceError.emptyCandidate(name: "f")) {
            try file.function(named: "f").replacingBody(with: "\n  \n\"\"\"D.\"\"\"\n# nothing\n")
        }
    }

    @Test func asyncAndNestedFunctions() throws {
        let source = "async def fetch(u):\n    pass\n\ndef outer():\n    def inner(y):\n        pass\n    return inner\n"
        #expect(try replaced(source, "fetch", with: "return await get(u)")
            == "async def fetch(u):\n    return await get(u)\n\ndef outer():\n    def inner(y):\n        pass\n    return inner\n")
        #expect(try replaced(source, "outer.inner", with: "return y")
            == "async def fetch(u):\n    pass\n\ndef outer():\n    def inner(y):\n        return y\n    return inner\n")
    }

    @Test func trailingCommentsStayWithWhatFollows() throws {
        let source = """
            class A:
                def f(self):
                    # TODO: implement
                    pass
                    # still the body's
            # about g, at class level
                def g(self):
                    return 1
            """
        #expect(try replaced(source, "A.f", with: "return 0") == """
            class A:
                def f(self):
                    return 0
            # about g, at class level
                def g(self):
                    return 1
            """)
    }

    @Test func backslashSignatureAndTrickyStrings() throws {
        let source = #"""
            x = f"def {y}:"  # def fake(): pass
            s = '''
            def hidden():
                pass
            '''

            def real(a, \
                     b='"""'):
                """Doc with ''' and "quotes" and def inside."""
                raise NotImplementedError(
                    "multi-line message"
                )
            """#
        let file = try PythonFile(text: source, path: "t.py")
        #expect(file.qualifiedNames == ["real"])
        let function = try file.function(named: "real")
        #expect(function.stubKind == .notImplemented)
        #expect(function.signature == "def real(a, \\\n         b='\"\"\"'):")
        #expect(try replaced(source, "real", with: "return a + b") == #"""
            x = f"def {y}:"  # def fake(): pass
            s = '''
            def hidden():
                pass
            '''

            def real(a, \
                     b='"""'):
                """Doc with ''' and "quotes" and def inside."""
                return a + b
            """#)
    }
}
