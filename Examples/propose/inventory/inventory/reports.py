"""Report helpers for the inventory demo of `tolerator propose` (stubs for the model to fill)."""


def restock_total(values):
    """Return the sum of each value in values where the value is greater than 4."""
    ...


def loud_words(text):
    """Return a list of the words longer than 3 characters in text in uppercase."""
    raise NotImplementedError
