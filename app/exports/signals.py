"""Plain-language explanations of the detector's signals, for the ring page and the reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SignalText:
    """How to present one signal: a title, what it means, and whether it raises the score."""

    title: str
    meaning: str
    effect: str  # "raises", "lowers", "explains" or "axis"


SIGNALS: dict[str, SignalText] = {
    "shared_payment": SignalText(
        "Shared payment method",
        "Several accounts pay with the same card or wallet. Independent customers rarely do.",
        "raises",
    ),
    "shared_device": SignalText(
        "Shared device",
        "Several accounts send requests from the same device fingerprint.",
        "raises",
    ),
    "shared_ip": SignalText(
        "Shared IP address",
        "Several accounts use the same (non-crowd) IP addresses, e.g. the same proxy or server.",
        "raises",
    ),
    "shared_template": SignalText(
        "Shared prompt template",
        "Accounts send prompts built from the same rare template: one script behind them.",
        "raises",
    ),
    "shared_email_domain": SignalText(
        "Shared e-mail domain",
        "Accounts registered with the same uncommon e-mail domain.",
        "raises",
    ),
    "creation_burst": SignalText(
        "Creation burst",
        "Many accounts were created within hours of each other, far above the normal sign-up rate.",
        "raises",
    ),
    "lockstep": SignalText(
        "Lockstep activity",
        "Accounts are active in the same hours, as if driven by one scheduler.",
        "raises",
    ),
    "high_volume": SignalText(
        "High volume",
        "The accounts send far more requests and tokens than a typical user.",
        "raises",
    ),
    "extraction_templates": SignalText(
        "Extraction-style prompts",
        "Prompts that harvest reasoning (step-by-step, rubric grading): typical of distillation.",
        "raises",
    ),
    "prompt_concentration": SignalText(
        "Prompt concentration",
        "Most traffic goes to a few prompt templates rather than varied, human questions.",
        "raises",
    ),
    "fresh_accounts": SignalText(
        "Fresh accounts",
        "The accounts are new: opened shortly before the activity.",
        "raises",
    ),
    "benign:invoice_payment": SignalText(
        "Invoice billing",
        "Accounts are billed by invoice, as in an enterprise tenant: sharing is expected.",
        "lowers",
    ),
    "benign:institutional_network": SignalText(
        "Institutional network",
        "Shared IPs belong to a corporate or campus network: colleagues share egress addresses.",
        "lowers",
    ),
    "benign:aged_accounts": SignalText(
        "Aged accounts",
        "The accounts are old and established, unlike throwaway farm accounts.",
        "lowers",
    ),
    "benign:crowd_ip": SignalText(
        "Crowd IPs",
        "Shared IPs are mobile carrier / VPN / campus NATs used by many strangers; ignored.",
        "explains",
    ),
    "benign:popular_template": SignalText(
        "Popular template",
        "The shared prompt template is used by many unrelated accounts (e.g. a popular app).",
        "explains",
    ),
    "benign:ordinary_volume": SignalText(
        "Ordinary volume", "Usage volume is in the normal range.", "explains"
    ),
    "benign:no_extraction": SignalText(
        "No extraction", "No extraction-style prompts were seen.", "explains"
    ),
    "axis:coordination": SignalText(
        "Coordination (axis)",
        "How strongly the accounts are tied together (combines the sharing signals).",
        "axis",
    ),
    "axis:abuse": SignalText(
        "Abuse (axis)",
        "How much the activity looks like output harvesting (volume, extraction, freshness).",
        "axis",
    ),
}


def explain(signal: dict[str, Any]) -> dict[str, Any]:
    """A stored signal {name, weight, detail} plus title, meaning and effect for display."""
    name = str(signal.get("name", ""))
    known = SIGNALS.get(name)
    if known is None:
        title = name.split(":", 1)[-1].replace("_", " ").capitalize() or "Signal"
        effect = "lowers" if name.startswith("benign:") else "raises"
        known = SignalText(title, "", effect)
    return {
        **signal,
        "title": known.title,
        "meaning": known.meaning,
        "effect": known.effect,
    }


def explain_all(signals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Explained signals: score-raising first by weight, then axes, damping and notes."""
    order = {"raises": 0, "axis": 1, "lowers": 2, "explains": 3}
    explained = [explain(s) for s in signals]
    return sorted(explained, key=lambda s: (order[s["effect"]], -float(s.get("weight") or 0)))


def top_signals(signals: list[dict[str, Any]], count: int = 3) -> list[dict[str, Any]]:
    """The strongest score-raising signals (no axes, no damping), for the rings table."""
    return [s for s in explain_all(signals) if s["effect"] == "raises"][:count]
