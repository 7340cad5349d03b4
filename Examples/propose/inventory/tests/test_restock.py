import unittest

from inventory.reports import restock_total


class RestockTotal(unittest.TestCase):
    def test_mixed(self):
        self.assertEqual(restock_total([3, 5, 10, 4]), 15)

    def test_none_above(self):
        self.assertEqual(restock_total([1, 2, 4]), 0)

    def test_empty(self):
        self.assertEqual(restock_total([]), 0)
