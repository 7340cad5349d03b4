def count_evens(nums):
    """Return how many values in nums where the value is even."""
