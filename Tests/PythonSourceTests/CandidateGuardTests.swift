import Testing
@testable import PythonSource

@Suite struct CandidateGuardTests {
    @Test func ordinaryBodiesPass() {
        #expect(CandidateGuard.findings(in: "    return sum(xs)\n").isEmpty)
        #expect(CandidateGuard.findings(in: "    return a == b and a.__eq__(b)\n").isEmpty)
        #expect(CandidateGuard.findings(in: "    import sys\n    return sys.maxsize if x else type(x).__name__\n").isEmpty)
        #expect(CandidateGuard.findings(in: "    # builtins in a comment\n    return x.__class__.__name__\n").isEmpty)
    }

    @Test func comparisonOverridesAreFound() {
        let comparison = "an object that decides its own comparisons can pass any == test"
        #expect(CandidateGuard.findings(in: "    class A:\n        def __eq__(self, o):\n            return True\n    return A()\n")
            == ["defines __eq__: " + comparison])
        #expect(CandidateGuard.findings(in: "    class A: pass\n    A.__ne__ = lambda s, o: False\n    return A()\n")
            == ["assigns __ne__: " + comparison])
        #expect(CandidateGuard.findings(in: "    return type('A', (), {'__eq__': lambda s, o: True})()\n")
            == ["names '__eq__' in a string: " + comparison])
    }

    @Test func patchingTheMachineryIsFound() {
        #expect(CandidateGuard.findings(in: "    import builtins\n    builtins.abs = lambda v: 0\n    return 0\n")
            == ["uses `builtins`: a function under test must not reach the interpreter's or the tests' machinery"])
        #expect(CandidateGuard.findings(in: "    import sys\n    sys.modules['math'] = None\n    return 0\n")
            == ["uses `sys.modules`: a function under test must not patch or inspect the interpreter"])
        #expect(CandidateGuard.findings(in: "    f = sys._getframe(1).f_back\n    return 0\n")
            == ["uses `sys._getframe`: a function under test must not patch or inspect the interpreter",
                "uses `f_back`: a function under test must not reach the interpreter's or the tests' machinery"])
        #expect(CandidateGuard.findings(in: "    __import__(\"unittest\").TestCase.assertEqual = print\n")
            == ["names 'unittest' in a string: a function under test must not reach the interpreter's or the tests' machinery"])
    }
}
