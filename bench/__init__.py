"""Benchmarks of the emulator and the translator (`make bench`); never part of `make test`."""
