def count_evens(numbers):
    """Return how many numbers in the list are even.

    >>> count_evens([1, 2, 3, 4])
    2
    """
