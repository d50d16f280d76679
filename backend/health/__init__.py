"""Health check: ``GET /api/health``."""
