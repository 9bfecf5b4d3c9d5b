"""Reliability suite (issue 5): crashes, concurrency, full disks, lost answers, hostile input,
secrets. ``python -m tests.reliability`` runs it and prints the figures."""
