"""Ingest benchmark: events/s, Neo4j rows/s and peak RSS at given scales; cluster count vs truth.

Usage: .venv/bin/python bench/ingest.py --scales 0.05 0.2
Runs against its own Neo4j (var/bench, port 7689), which it wipes before each scale.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import bench_runner, scenario


def one_scale(scale: float, seed: int) -> dict[str, float]:
    """Ingest in a child process so its peak RSS is the ingest's own."""
    out = scenario(scale, seed)
    bench_runner(wipe=True).close()
    code = (
        "import json,resource,sys; sys.path.insert(0,'.');"
        "import bench._common;"
        "from bench._common import bench_runner;"
        "from app.config import get_settings;"
        "from app.ingest.pipeline import Ingestor;"
        "from pathlib import Path;"
        "s=get_settings(); r=bench_runner(wipe=False);"
        f"rep=Ingestor(r, s.salt(), s.ingest_batch_lines, Path('{out}')/'quarantine.jsonl').run([Path('{out}')]);"
        "print(json.dumps({'read':rep.read,'ingested':rep.ingested,'quarantined':rep.quarantined,"
        "'seconds':rep.seconds,'events_per_s':rep.events_per_second,'rows':rep.rows_written,"
        "'rows_per_s':rep.rows_per_second,'write_seconds':rep.write_seconds,"
        "'clusters':rep.clusters_after,"
        "'peak_rss_mb':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    truth = json.loads((out / "truth.json").read_text())
    figures["true_templates"] = len(truth.get("templates", []))
    figures["freeform_prompts"] = truth.get("freeform_prompts", 0)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.05, 0.2])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        f"{'scale':>6} {'events':>11} {'seconds':>8} {'events/s':>9} {'rows':>10} {'rows/s':>8} "
        f"{'peakRSS MB':>10} {'clusters':>9} {'templates':>9} {'freeform':>9}"
    )
    for scale in args.scales:
        f = one_scale(scale, args.seed)
        print(
            f"{scale:>6} {f['read']:>11,.0f} {f['seconds']:>8.1f} {f['events_per_s']:>9,.0f} "
            f"{f['rows']:>10,.0f} {f['rows_per_s']:>8,.0f} {f['peak_rss_mb']:>10,.0f} "
            f"{f['clusters']:>9,.0f} {f['true_templates']:>9,.0f} {f['freeform_prompts']:>9,.0f}"
        )


if __name__ == "__main__":
    main()
