import Testing
@testable import Evaluation

@Suite struct PassAtKTests {
    @Test func matchesTheBinomialFormula() {
        // 1 - C(n-c, k)/C(n, k) by hand: n=5, c=2, k=2 → 1 - C(3,2)/C(5,2) = 1 - 3/10.
        #expect(abs(PassAtK.estimate(n: 5, c: 2, k: 2)! - 0.7) < 1e-12)
        #expect(PassAtK.estimate(n: 10, c: 3, k: 1)! == 0.3 || abs(PassAtK.estimate(n: 10, c: 3, k: 1)! - 0.3) < 1e-12)
        #expect(PassAtK.estimate(n: 4, c: 0, k: 2) == 0)
        #expect(PassAtK.estimate(n: 4, c: 3, k: 2) == 1)  // n - c < k
        #expect(PassAtK.estimate(n: 3, c: 1, k: 4) == nil)
    }
}
