"""Fixtures for the segment tests: `mall`, a store with the members, orders and carts of tests.support.segment_world."""
from tests.support.segment_world import mall  # noqa: F401 (re-exported as a fixture)
