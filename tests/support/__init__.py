"""Test support shared by the tests and the benchmarks: real IOC processes on loopback
(:mod:`.harness`), hosts as network namespaces (:mod:`.netns`), reconnection timing
(:mod:`.reconnection`) and the test IOCs and servers the tests talk to."""
