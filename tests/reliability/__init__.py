"""Reliability: nothing lost under crashes, load, bad input or another workspace's token."""
