"""Training metrics: one JSON object per logged step in `RUN_DIR/metrics.jsonl`, plus a progress bar.

On resume the log is cut back to the restored step, so after any number of interruptions the file holds
exactly one record per step, as an uninterrupted run would have written it (wall-clock fields aside).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


class MetricsLog:
    def __init__(
        self, path: str | Path, *, resume_step: int, total: int, enabled: bool = True, progress: bool = True
    ) -> None:
        self.path = Path(path)
        self.enabled = enabled
        self._bar = None
        if not enabled:
            return
        kept: list[str] = []
        if resume_step and self.path.is_file():
            for line in self.path.read_text().splitlines():
                try:
                    if json.loads(line).get("step", 0) <= resume_step:
                        kept.append(line)
                except json.JSONDecodeError:
                    break  # a line cut by a kill: everything after it is gone anyway
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("".join(line + "\n" for line in kept))
        self._fh = self.path.open("a")
        if progress:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                initial=resume_step,
                unit="step",
                file=sys.stderr,
                disable=None,
                dynamic_ncols=True,
            )

    def write(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self._fh.write(json.dumps(record) + "\n")
        self._fh.flush()
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{record['loss']:.4f}", tok_s=f"{record['tokens_per_s']:.0f}")

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if not self.enabled:
            return
        self._fh.close()
        if self._bar is not None:
            self._bar.close()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
