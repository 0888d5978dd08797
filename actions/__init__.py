"""Rasa SDK custom actions. Kept thin: they translate between Rasa and `bot/`."""
