"""Smoke tests of the benchmarks: they run and print numbers (speed itself is measured by ``make bench``)."""
