# Deliberately impossible: no body can return two different totals for the same input.
from inventory.reports import restock_total

assert restock_total([5]) == 5
assert restock_total([5]) == 6
