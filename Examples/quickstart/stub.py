def count_evens(nums):
    """Return how many values in nums where the value is even.

    >>> count_evens([1, 2, 4, 7])
    2
    >>> count_evens([])
    0
    """
