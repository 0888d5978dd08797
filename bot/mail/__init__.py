"""Email: the outbox table and its SMTP sender (staff alerts for handoffs)."""
