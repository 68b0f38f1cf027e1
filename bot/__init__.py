"""What Matters: a conversational assistant for personalised care and support planning."""

__version__ = "0.1.0"
