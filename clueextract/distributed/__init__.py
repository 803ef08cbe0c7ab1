"""Distributed scans: the per-item stage on a Ray cluster (ray_runner.py), imported only with --ray."""
