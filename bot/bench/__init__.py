"""The benchmark: simulated patients over the REST channel, against the stock Rasa starter bot.

`python -m bot.bench` (make bench); see BENCHMARKS.md for what it measures.
"""
