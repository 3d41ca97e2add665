"""Channels: each module translates one platform to and from the engine's neutral messages."""
