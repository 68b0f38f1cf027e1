"""Where patients chat: Rasa input and output channels of our own.

Each subclasses one of Rasa 3.6's channels to add what a GP practice needs of it
(the web widget, signature checks on messaging webhooks, numbered options on
text-only channels) and to work around that channel's known defects.
"""
