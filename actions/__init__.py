"""The Rasa action server: thin actions over the care plan services in `bot`.

Rasa SDK imports this package and registers every Action subclass it finds.
"""

from actions import interview, safety, session  # noqa: F401
