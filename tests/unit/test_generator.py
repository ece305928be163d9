"""The synthetic scenario generator (seed/generator.py) at tiny scales: contract and properties."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from seed import generator, templates
from seed.generator import GenerationStats, generate

REQUIRED = {
    "account": {"account_id", "created_at", "email", "country"},
    "payment": {"account_id", "ts", "payment_id", "method"},
    "ip_info": {"ip", "asn", "as_org", "kind"},
    "request": {
        "account_id",
        "ts",
        "ip",
        "device_id",
        "user_agent",
        "prompt",
        "model",
        "input_tokens",
        "output_tokens",
    },
    "label": {"account_id", "operator", "source", "confidence"},
}
OPTIONAL = {"account": {"org"}, "payment": {"bin", "issuer_country"}}
METHODS = {"card", "wallet", "crypto", "invoice", "other"}
IP_KINDS = {"residential", "mobile", "hosting", "vpn", "proxy", "education", "corporate", "unknown"}
WINDOW = (datetime(2026, 4, 22, tzinfo=UTC), datetime(2026, 6, 5, 23, 59, 59, tzinfo=UTC))
APP_PREFIXES = tuple(t.split("{")[0] for t in templates.APP_TEMPLATES)


@dataclass
class Scenario:
    stats: GenerationStats
    truth: dict[str, Any]
    raw: bytes
    events: list[dict[str, Any]]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    def campaign_cells(self) -> dict[str, tuple[str, str]]:
        """account -> (operator, cell_id)"""
        return {
            a: (op["name"], cell["cell_id"])
            for op in self.truth["operators"]
            for cell in op["cells"]
            for a in cell["accounts"]
        }


def _load(out: Path) -> tuple[bytes, list[dict[str, Any]], dict[str, Any]]:
    raw = gzip.decompress((out / "events.jsonl.gz").read_bytes())
    events = [json.loads(line) for line in raw.splitlines()]
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    return raw, events, truth


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    out = tmp_path_factory.mktemp("scenario")
    calls: list[int] = []
    stats = generate(out, scale=0.002, seed=7, progress=calls.append)
    raw, events, truth = _load(out)
    assert sum(calls) == stats.events == len(events)
    return Scenario(stats, truth, raw, events)


def _ts(value: str) -> datetime:
    assert value.endswith("Z"), value
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None
    return parsed


def test_every_line_parses_and_has_its_fields(scenario: Scenario) -> None:
    assert scenario.raw.endswith(b"\n")
    kinds = {e["type"] for e in scenario.events}
    assert kinds == set(REQUIRED)
    for e in scenario.events:
        kind = e["type"]
        keys = set(e) - {"type"}
        assert REQUIRED[kind] <= keys, e
        assert keys <= REQUIRED[kind] | OPTIONAL.get(kind, set()), e
        assert all(v is not None and v != "" for v in e.values()), e
        if kind == "account":
            _ts(e["created_at"])
            assert "@" in e["email"]
        elif kind == "payment":
            _ts(e["ts"])
            assert e["method"] in METHODS
            if "bin" in e:
                assert len(e["bin"]) == 6 and e["bin"].isdigit()
        elif kind == "ip_info":
            parts = e["ip"].split(".")
            assert len(parts) == 4 and all(0 <= int(p) <= 255 for p in parts), e
            assert isinstance(e["asn"], int) and e["kind"] in IP_KINDS
        elif kind == "request":
            assert WINDOW[0] <= _ts(e["ts"]) <= WINDOW[1], e
            assert isinstance(e["input_tokens"], int) and e["input_tokens"] > 0
            assert isinstance(e["output_tokens"], int) and e["output_tokens"] > 0
            assert e["model"] in templates.MODELS
        elif kind == "label":
            assert 0.8 <= e["confidence"] <= 1.0
            assert e["source"].startswith("case-2026-")


def test_lines_pass_the_ingest_contract(scenario: Scenario) -> None:
    events_mod = pytest.importorskip("app.ingest.events")
    for line in scenario.raw.splitlines()[:: max(1, len(scenario.events) // 5000)]:
        events_mod.parse_line(line)


def test_accounts_come_first_and_every_ip_is_described(scenario: Scenario) -> None:
    declared: set[str] = set()
    described = {e["ip"] for e in scenario.of_type("ip_info")}
    used_ips: set[str] = set()
    for e in scenario.events:
        if e["type"] == "account":
            declared.add(e["account_id"])
        elif e["type"] in ("request", "payment", "label"):
            assert e["account_id"] in declared, e
        if e["type"] == "request":
            used_ips.add(e["ip"])
    assert used_ips == described


def test_truth_matches_the_events(scenario: Scenario) -> None:
    truth, stats = scenario.truth, scenario.stats
    accounts = [e["account_id"] for e in scenario.of_type("account")]
    assert len(accounts) == len(set(accounts)) == stats.accounts
    campaign = scenario.campaign_cells()
    grouped = {a for groups in truth["benign_groups"].values() for g in groups for a in g}
    assert set(campaign) <= set(accounts)
    assert grouped <= set(accounts)
    assert not grouped & set(campaign)
    assert len(campaign) == stats.campaign_accounts == truth["campaign_accounts"]
    assert truth["benign_accounts"] == stats.benign_accounts == len(accounts) - len(campaign)
    assert stats.requests == len(scenario.of_type("request"))
    assert truth["seed"] == 7 and truth["scale"] == 0.002
    assert truth["window"] == ["2026-04-22T00:00:00Z", "2026-06-05T23:59:59Z"]
    assert truth["freeform_prompts"] > 1000
    kinds = {t["kind"] for t in truth["templates"]}
    assert {"cot", "rubric", "app"} <= kinds
    assert all(t["variants"] >= 1 and t["text"] for t in truth["templates"])


def test_benign_is_at_least_ten_times_campaign(scenario: Scenario) -> None:
    assert scenario.stats.benign_accounts >= 10 * scenario.stats.campaign_accounts


def test_operators_have_cells_that_share_no_infrastructure(scenario: Scenario) -> None:
    operators = scenario.truth["operators"]
    assert len(operators) >= 3
    assert all(len(op["cells"]) >= 2 for op in operators)
    cell_of = scenario.campaign_cells()
    used: dict[str, dict[str, set[tuple[str, str]]]] = {
        k: defaultdict(set) for k in ("ip", "device", "payment")
    }
    for e in scenario.events:
        cell = cell_of.get(e.get("account_id", ""))
        if cell is None:
            continue
        if e["type"] == "request":
            used["ip"][e["ip"]].add(cell)
            used["device"][e["device_id"]].add(cell)
        elif e["type"] == "payment":
            used["payment"][e["payment_id"]].add(cell)
    for kind, users in used.items():
        shared = {k: cells for k, cells in users.items() if len(cells) > 1}
        assert not shared, f"{kind} shared across cells: {shared}"
    # ... yet inside a cell accounts do share cards and proxy IPs
    assert any(len(accs) > 1 for accs in _accounts_per(scenario, "payment", "payment_id", cell_of))
    assert any(len(accs) > 1 for accs in _accounts_per(scenario, "request", "ip", cell_of))


def _accounts_per(
    scenario: Scenario, kind: str, key: str, only: dict[str, tuple[str, str]]
) -> list[set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in scenario.of_type(kind):
        if e["account_id"] in only:
            out[e[key]].add(e["account_id"])
    return list(out.values())


def test_same_seed_same_bytes_other_seed_other_scenario(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", scale=0.001, seed=11)
    b = generate(tmp_path / "b", scale=0.001, seed=11)
    c = generate(tmp_path / "c", scale=0.001, seed=12)
    raw_a, _, truth_a = _load(tmp_path / "a")
    raw_b, _, truth_b = _load(tmp_path / "b")
    raw_c, _, truth_c = _load(tmp_path / "c")
    assert raw_a == raw_b and truth_a == truth_b
    assert (tmp_path / "a" / "events.jsonl.gz").read_bytes() == (
        tmp_path / "b" / "events.jsonl.gz"
    ).read_bytes()
    assert dataclasses.replace(a, seconds=0, events_per_second=0) == dataclasses.replace(
        b, seconds=0, events_per_second=0
    )
    assert raw_a != raw_c
    assert truth_a["operators"] != truth_c["operators"]
    # the minimum viable structure holds at a tiny scale, for every seed
    for truth, stats in ((truth_a, a), (truth_c, c)):
        assert len(truth["operators"]) >= 3
        assert all(len(op["cells"]) >= 2 for op in truth["operators"])
        assert all(groups and all(groups) for groups in truth["benign_groups"].values())
        assert stats.benign_accounts >= 10 * stats.campaign_accounts


def test_output_does_not_depend_on_the_worker_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator, "_CHUNK_REQUESTS", 8_000)  # several chunks at a tiny scale
    serial = generate(tmp_path / "serial", scale=0.001, seed=5, workers=1)
    forked = generate(tmp_path / "forked", scale=0.001, seed=5, workers=2)
    assert serial.requests == forked.requests > 3 * 8_000
    for name in ("events.jsonl.gz", "truth.json"):
        assert (tmp_path / "serial" / name).read_bytes() == (
            tmp_path / "forked" / name
        ).read_bytes()
    # a multi-member gzip that reads back as one stream of whole lines
    raw = gzip.decompress((tmp_path / "forked" / "events.jsonl.gz").read_bytes())
    assert raw.count(b"\n") == forked.events
    assert all(line.startswith(b'{"type":"') for line in raw.splitlines())


def test_cgnat_ips_are_shared_by_many_benign_accounts(scenario: Scenario) -> None:
    kind = {e["ip"]: e["kind"] for e in scenario.of_type("ip_info")}
    campaign = scenario.campaign_cells()
    users: dict[str, set[str]] = defaultdict(set)
    for e in scenario.of_type("request"):
        users[e["ip"]].add(e["account_id"])
    groups = scenario.truth["benign_groups"]["cgnat"]
    assert len(groups) >= 2
    for group in groups:
        members = set(group)
        shared = [ip for ip, accs in users.items() if len(accs & members) >= 10]
        assert shared, "no CGNAT IP shared by >= 10 accounts"
        assert all(kind[ip] == "mobile" for ip in shared)
        assert all(not (users[ip] & set(campaign)) for ip in shared)
    # the VPN exits and the university NAT are shared the same way
    for name, ip_kind in (("vpn", "vpn"), ("university", "education")):
        for group in scenario.truth["benign_groups"][name]:
            members = set(group)
            assert any(kind[ip] == ip_kind and len(users[ip] & members) >= 10 for ip in users)


def test_app_template_is_sent_by_many_benign_accounts(scenario: Scenario) -> None:
    campaign = scenario.campaign_cells()
    senders: set[str] = set()
    prompts: set[str] = set()
    for e in scenario.of_type("request"):
        if e["prompt"].startswith(APP_PREFIXES):
            senders.add(e["account_id"])
            prompts.add(e["prompt"])
    assert len(senders) >= 20
    assert not senders & set(campaign)
    assert len(prompts) >= 0.9 * sum(
        1 for e in scenario.of_type("request") if e["prompt"].startswith(APP_PREFIXES)
    )
    # from many different IPs and devices, not one infrastructure
    app = set(scenario.truth["benign_groups"]["app_users"][0])
    ips = {e["ip"] for e in scenario.of_type("request") if e["account_id"] in app}
    assert len(ips) >= 0.8 * len(app)


def test_enterprise_tenants_share_invoice_and_egress(scenario: Scenario) -> None:
    payments: dict[str, set[str]] = defaultdict(set)
    for e in scenario.of_type("payment"):
        payments[e["account_id"]].add(f"{e['method']}:{e['payment_id']}")
    domains = {e["account_id"]: e["email"].split("@")[1] for e in scenario.of_type("account")}
    for tenant in scenario.truth["benign_groups"]["enterprise"]:
        invoices = {p for a in tenant for p in payments[a]}
        assert len(invoices) == 1 and next(iter(invoices)).startswith("invoice:")
        assert len({domains[a] for a in tenant}) == 1
    for family in scenario.truth["benign_groups"]["family"]:
        assert 2 <= len(family) <= 5
        assert len({p for a in family for p in payments[a]}) == 1


def test_labels_only_on_campaign_accounts_of_the_right_operator(scenario: Scenario) -> None:
    cells = scenario.campaign_cells()
    labels = scenario.of_type("label")
    assert labels
    for e in labels:
        assert e["account_id"] in cells
        assert cells[e["account_id"]][0] == e["operator"]
    truth_labeled = {a for op in scenario.truth["operators"] for a in op["labeled_accounts"]}
    assert {e["account_id"] for e in labels} == truth_labeled
    # some cell of a labeled operator carries no label at all
    unlabeled_cells = [
        cell
        for op in scenario.truth["operators"]
        if op["labeled_accounts"]
        for cell in op["cells"]
        if not set(cell["accounts"]) & set(op["labeled_accounts"])
    ]
    assert unlabeled_cells


def test_campaigns_are_busy_templated_and_long_winded(scenario: Scenario) -> None:
    campaign = scenario.campaign_cells()
    count: dict[str, int] = defaultdict(int)
    out_tokens: dict[bool, list[int]] = {True: [], False: []}
    prompts: dict[bool, list[str]] = {True: [], False: []}
    for e in scenario.of_type("request"):
        is_campaign = e["account_id"] in campaign
        count[e["account_id"]] += 1
        out_tokens[is_campaign].append(e["output_tokens"])
        prompts[is_campaign].append(e["prompt"])
    benign = sorted(
        count[e["account_id"]]
        for e in scenario.of_type("account")
        if e["account_id"] not in campaign
    )
    busy = sorted(count[a] for a in campaign)
    assert busy[len(busy) // 2] > 10 * benign[len(benign) // 2]
    mean = {k: sum(v) / len(v) for k, v in out_tokens.items()}
    assert mean[True] > 3 * mean[False]
    # slot-filled: nearly every campaign prompt differs, yet all come from a few templates
    assert len(set(prompts[True])) > 0.95 * len(prompts[True])
    heads = {p[:60] for p in prompts[True]}
    n_ops = len(scenario.truth["operators"])
    assert len(heads) <= 6 * n_ops
    markers = ("step by step", "rubric", "reasoning", "reward model")
    assert all(any(m in p.lower() for m in markers) for p in prompts[True])
    # benign prompts are diverse
    assert len(set(prompts[False])) > 0.8 * len(prompts[False])


def test_campaign_accounts_are_created_in_bursts(scenario: Scenario) -> None:
    created = {e["account_id"]: _ts(e["created_at"]) for e in scenario.of_type("account")}
    for op in scenario.truth["operators"]:
        for cell in op["cells"]:
            times = sorted(created[a] for a in cell["accounts"])
            assert all(WINDOW[0] <= t <= WINDOW[1] for t in times)
            # at least half the cell registered within some 6-hour span
            k = (len(times) + 1) // 2
            spans = [
                (times[i + k - 1] - times[i]).total_seconds() for i in range(len(times) - k + 1)
            ]
            assert min(spans) <= 6 * 3600
