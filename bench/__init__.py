"""Benchmarks: extraction fidelity against reference data, and text-processing speed."""
