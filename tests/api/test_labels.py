"""An operator label added in the web app feeds the next detection run: the real projection
(cypher/detection/project_accounts.cypher) and the pure detector attribute the ring to it; once
removed, the ring is unattributed again."""

from __future__ import annotations

import pytest
import scenario
from fastapi.testclient import TestClient

from app.detection.model import Ring
from app.detection.pipeline import detect
from app.graph.detection_repo import load_projection
from app.graph.runner import GraphRunner

pytestmark = pytest.mark.integration
ACCOUNT = scenario.BETA_MEMBERS[0]
OPERATOR = "Operator Viper"


def _beta_ring(runner: GraphRunner) -> Ring:
    # Detection without write-back: the stored runs the other web tests read stay as they are.
    rings = detect(load_projection(runner)).rings
    return next(r for r in rings if ACCOUNT in r.members)


def test_ui_label_attributes_the_next_run(client: TestClient, seeded: GraphRunner) -> None:
    assert _beta_ring(seeded).attribution is None
    added = client.post(
        f"/api/accounts/{ACCOUNT}/labels",
        json={"operator": OPERATOR, "reason": "same residential IP as case 2026-020"},
    )
    assert added.status_code == 201, added.text
    try:
        ring = _beta_ring(seeded)
        assert ring.attribution is not None and ring.attribution.operator == OPERATOR
        assert any("ui:t-analyst" in line for line in ring.attribution.evidence)
    finally:
        removed = client.delete(f"/api/accounts/{ACCOUNT}/labels/{OPERATOR}?reason=test%20done")
        assert removed.status_code == 200
    assert _beta_ring(seeded).attribution is None


def test_label_input_is_checked(client: TestClient) -> None:
    url = f"/api/accounts/{ACCOUNT}/labels"
    assert client.post(url, json={"operator": OPERATOR}).status_code == 422  # no reason
    assert client.post(url, json={"operator": OPERATOR, "reason": "  "}).status_code == 422
    body = {"operator": OPERATOR, "reason": "r", "confidence": 1.5}
    assert client.post(url, json=body).status_code == 422
    missing = client.post("/api/accounts/no-such-account/labels", json={**body, "confidence": 1})
    assert missing.status_code == 404 and "no account" in missing.json()["detail"]
    gone = client.delete(f"{url}/Nobody?reason=x")
    assert gone.status_code == 404
    assert client.delete(f"{url}/Nobody").status_code == 422  # reason required
