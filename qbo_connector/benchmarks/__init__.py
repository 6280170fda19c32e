"""Benchmarks that print figures (`qbo-connector bench ...`)."""
