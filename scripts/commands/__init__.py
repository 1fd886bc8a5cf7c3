"""The CLI's command groups: run, recover, inspect, report (one module each)."""
