"""Test settings: tests use their own Neo4j (var/test, port 7688) so they never wipe your demo data."""

from __future__ import annotations

import os

from app.config import PROJECT_ROOT

os.environ.setdefault("RINGSCOPE_VAR_DIR", str(PROJECT_ROOT / "var" / "test"))
os.environ.setdefault("RINGSCOPE_NEO4J_PORT", "7688")
os.environ.setdefault("RINGSCOPE_NEO4J_HEAP", "2g")
os.environ.setdefault("RINGSCOPE_NEO4J_PAGECACHE", "512m")
