"""Every page renders (200) against the seeded scenario; errors are clear pages, not traces."""

from __future__ import annotations

import pytest
import scenario
from fastapi.testclient import TestClient

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("path", "expect"),
    [
        ("/rings", scenario.ALPHA),
        ("/runs", scenario.RUN_ID),
        (f"/runs/{scenario.RUN_ID}", "Run details"),
        (f"/rings/{scenario.ALPHA}", "Shared payment method"),
        (f"/rings/{scenario.ALPHA}?run={scenario.RUN_ID}", scenario.OPERATOR),
        ("/search", "Search"),
        ("/search?q=KR7-acct", "KR7-acct-01"),
        ("/entity/IP/203.0.113.7", scenario.ALPHA),
        ("/entity/Account/KR7-acct-01", scenario.ALPHA),
        ("/entity/PaymentMethod/pm_krait_01", scenario.ALPHA),
        ("/entity/Device/dev-krait-A", scenario.ALPHA),
        ("/entity/Operator/Operator%20Krait", scenario.ALPHA),
        ("/docs", "swagger-ui"),
        ("/openapi.json", "/api/rings"),
    ],
)
def test_page_renders(client: TestClient, path: str, expect: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert expect in response.text


def test_home_redirects_to_rings(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/rings"


def test_ring_page_explains_signals_and_attribution(client: TestClient) -> None:
    html = client.get(f"/rings/{scenario.ALPHA}").text
    assert "Independent customers rarely do" in html  # plain-language meaning
    assert "0.87" in html and "case-2026-014" in html  # confidence and evidence
    assert "/static/vendor/cytoscape.min.js" in html


def test_pages_reference_no_external_resource(client: TestClient) -> None:
    for path in ("/rings", f"/rings/{scenario.ALPHA}", "/entity/IP/203.0.113.7", "/docs"):
        html = client.get(path).text
        for marker in ('src="http', "src='http", 'href="http', "href='http", "//cdn", "@import"):
            assert marker not in html, (path, marker)


def test_rings_table_sorts_filters_and_pages(client: TestClient) -> None:
    page1 = client.get("/rings?per_page=10&sort=score&order=desc").text
    assert "page 1 of 3" in page1 and scenario.ALPHA in page1
    page3 = client.get("/rings?per_page=10&sort=score&order=desc&page=3").text
    assert "FILL-00" in page3 and scenario.ALPHA not in page3
    flagged = client.get("/rings?flagged=true&operator=krait").text
    assert scenario.ALPHA in flagged and "FILL-03" not in flagged and "1 ring ·" in flagged


def test_search_with_one_exact_hit_redirects(client: TestClient) -> None:
    response = client.get("/search?q=pm_krait_01", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/entity/PaymentMethod/pm_krait_01"


def test_search_prompt_text_finds_cluster(client: TestClient) -> None:
    response = client.get("/search?q=rubric", follow_redirects=True)
    assert response.status_code == 200 and "Prompt cluster" in response.text
    assert scenario.ALPHA in response.text


def test_unknown_ring_and_entity_are_404_pages(client: TestClient) -> None:
    for path in ("/rings/no-such-ring", "/entity/IP/192.0.2.250", "/runs/no-such-run"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text and "Traceback" not in response.text


def test_invalid_query_is_a_clear_page(client: TestClient) -> None:
    response = client.get("/rings?sort=password")
    assert response.status_code == 422 and "Invalid request" in response.text


def test_database_down_is_503_not_a_trace(down_client: TestClient) -> None:
    for path in ("/rings", "/runs", f"/rings/{scenario.ALPHA}", "/search?q=x", "/healthz"):
        response = down_client.get(path)
        assert response.status_code == 503, path
        assert "Traceback" not in response.text
    assert "Database unavailable" in down_client.get("/rings").text
    api = down_client.get("/api/rings")
    assert api.status_code == 503 and api.json()["detail"] == "database unavailable"
