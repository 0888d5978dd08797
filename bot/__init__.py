"""Mobility Concierge: the dealership assistant's own code (profile, engagement, web, CLI)."""
