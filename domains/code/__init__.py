"""Code generation and unit-test generation: the data layer (data.py) and offline benchmarks; no recipe yet."""
