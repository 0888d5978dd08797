"""Input channels: where customer messages come in, checked at the edge."""
