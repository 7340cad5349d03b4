from inventory.reports import loud_words


def test_sentence():
    assert loud_words("the quick brown fox") == ["QUICK", "BROWN"]


def test_short_words_only():
    assert loud_words("a bb ccc") == []
