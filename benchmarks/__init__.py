"""Runnable comparisons that print timings and ratios against baselines."""
