"""kubernetes-worker unit tests (a package, so its conftest never shadows another's)."""
