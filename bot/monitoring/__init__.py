"""Anonymous monitoring for the expertise network: figures, charts, exports (storage/monitoring.py counts)."""
