"""Benchmark inputs of the code domain: HumanEval+ (Apache-2.0, LICENSE-HumanEvalPlus) and the held-out
focal functions of the unit-test-generation benchmark (unit_focal_*.py, written for this project)."""
