import PythonSource
import Testing

@Suite struct PromptExamplesTests {
    @Test func examplesGoAndAOneLineDocstringIsRejoined() {
        let stub = """
            def count_evens(nums):
                \"\"\"Return how many values in nums where the value is even.

                >>> count_evens([1, 2, 4, 7])
                2
                >>> count_evens([])
                0
                \"\"\"

            """
        #expect(PromptExamples.stripped(stub) == """
            def count_evens(nums):
                \"\"\"Return how many values in nums where the value is even.\"\"\"

            """)
    }

    @Test func prosePastTheExamplesAndContinuationLinesAreHandled() {
        let stub = """
            def f(xs):
                '''Sum xs.

                Longer prose stays.
                >>> f([1,
                ...    2])
                3

                More prose after a blank line stays too.
                '''

            """
        #expect(PromptExamples.stripped(stub) == """
            def f(xs):
                '''Sum xs.

                Longer prose stays.

                More prose after a blank line stays too.
                '''

            """)
    }

    @Test func textWithoutExamplesIsUnchanged() {
        let stub = "def f(x):\n    \"\"\"Return x.\n\n    \"\"\"\n"
        #expect(PromptExamples.stripped(stub) == stub)
    }
}
