"""Rasa dialogue components of our own (Rasa calls dialogue management "core")."""
