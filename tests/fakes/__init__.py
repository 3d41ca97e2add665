"""Test doubles at the protocol edge: fake servers that speak a third party's HTTP API."""
