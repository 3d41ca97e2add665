"""Wegwijzer: a beslisboom chat bot for social safety at Dutch schools."""
