"""The Japanese notebooks are not executed by the test run: their code and outputs are the
English notebooks' (tests/test_japanese_edition.py checks that), which nbval runs already."""

collect_ignore_glob = ["*.ipynb"]
