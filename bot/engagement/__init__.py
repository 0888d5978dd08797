"""Engagement: every message on every channel, recorded on the customer's profile."""
