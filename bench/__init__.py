"""Benchmarks (``make bench``): each figure is compared with a baseline measured in the same run.

Nothing here asserts a time; the runner prints the figures and writes them to
``bench/results/latest.json``. See ``bench/README.md``.
"""
