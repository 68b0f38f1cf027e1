"""Rasa NLU components of our own, built on spaCy."""
