"""Benchmarks against peers: ``python -m benchmarks`` (``make bench``).

Every module named ``bench_*.py`` in this package defines ``run() -> None``, which measures and prints its
own table; ``python -m benchmarks`` runs them all in name order, or only those named on the command line
(``python -m benchmarks frontier simulate``).
"""
