from __future__ import annotations

from pathlib import Path

import yaml


def test_compose_file_parses_and_wires_the_app_to_neo4j() -> None:
    compose = yaml.safe_load(Path("docker/compose.yml").read_text())
    neo4j, app = compose["services"]["neo4j"], compose["services"]["app"]
    assert neo4j["image"].startswith("neo4j:5.26")
    assert app["environment"]["RINGSCOPE_NEO4J_URI"] == "bolt://neo4j:7687"
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    dockerfile = (Path("docker") / app["build"]["dockerfile"].split("/")[-1]).read_text()
    assert "requirements.lock" in dockerfile


def test_compose_keeps_the_audit_log_on_a_named_volume() -> None:
    compose = yaml.safe_load(Path("docker/compose.yml").read_text())
    app = compose["services"]["app"]
    audit_dir = app["environment"]["RINGSCOPE_AUDIT_DIR"]
    mounts = {entry.split(":")[1]: entry.split(":")[0] for entry in app["volumes"]}
    assert mounts[audit_dir] in compose["volumes"]


def test_the_image_runs_the_app_from_its_tree_with_vendored_assets_and_compiled_kernels() -> None:
    dockerfile = Path("docker/Dockerfile").read_text()
    # A wheel install leaves out cypher/, the templates, static files and fixtures the app
    # reads from its tree (app.config.PROJECT_ROOT): the image installs it in place.
    assert "pip install --no-cache-dir --no-deps -e ." in dockerfile
    for tree in ("app", "cypher", "seed", "scripts"):
        assert f"COPY {tree} ./{tree}" in dockerfile
    assert "npm ci --ignore-scripts" in dockerfile
    assert "python scripts/build_web_assets.py" in dockerfile
    assert "python -m app.warmup" in dockerfile
