"""The summary of an evaluation run so far: the same figures as results.json over the problems it finished.

A full `cpagent eval` over hundreds of problems takes hours on a small machine; this reads its run store
while it runs (or after it was stopped) so the figures can be reported at any point, with how many of the
problems they cover. Usage: python bench/eval_partial.py RUN_DIR
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.evaluate import problem_extras, summarize  # noqa: E402
from agent.pipeline import PipelineConfig  # noqa: E402
from agent.store import RunStore  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    config_data = json.loads((args.run_dir / "config.json").read_text())
    config = PipelineConfig(**config_data["config"])
    planned = len(config_data.get("problems", []))
    store = RunStore(args.run_dir)
    results, extras, wall = [], {}, 0.0
    for pid in store.problem_ids():
        result = store.problem_result(pid)
        if result is None:
            continue
        extras[pid] = problem_extras(store, pid, result, config)
        results.append(result)
        wall += sum(float(st.get("seconds") or 0.0) for st in result.get("stages", {}).values())
    summary = summarize(results, extras, config, wall)
    summary["finished_problems"] = len(results)
    summary["planned_problems"] = planned
    summary["note"] = "wall_s here is the sum of the finished problems' stage times, not the command's wall time"
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
