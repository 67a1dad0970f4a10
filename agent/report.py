"""What happened in a run, for people: a terminal table of clusters and a self-contained HTML report.

Both read only the run directory (the store and results.json), so any run can be inspected afterwards,
including one that stopped halfway.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.errors import CpagentError
from agent.store import DB_NAME, RunStore


@dataclass(frozen=True)
class ClusterView:
    index: int
    size: int  # samples in the cluster (duplicates counted)
    members: tuple[str, ...]
    outcome_summary: str
    best_score: float | None
    representative: str
    code: str
    language: str
    selected_rank: int | None  # 1-based position in the selection, if a member was selected
    hidden: str  # e.g. "AC 3/3" over judged members


@dataclass(frozen=True)
class ProblemView:
    id: str
    name: str
    clusters: tuple[ClusterView, ...]
    selected: tuple[str, ...]
    showcase: dict[str, Any]
    stats: dict[str, Any]


def _summary(signature: list[str]) -> str:
    if not signature:
        return "no generated inputs"
    counts = Counter("OK" if s.startswith("OK") else s for s in signature)
    return ", ".join(f"{n} {k}" for k, n in counts.most_common())


def collect(run_dir: Path, problem_id: str | None = None) -> list[ProblemView]:
    if not (run_dir / DB_NAME).exists():
        raise CpagentError(f"{run_dir}: not a run directory (no {DB_NAME})",
                           hint="give the -o directory of a `cpagent solve` or `cpagent eval` run")
    store = RunStore(run_dir)
    try:
        ids = store.problem_ids()
        if problem_id is not None:
            if problem_id not in ids:
                raise CpagentError(f"{run_dir}: no problem {problem_id!r}",
                                   hint=f"problems in this run: {', '.join(ids[:10])}")
            ids = [problem_id]
        return [_problem_view(store, pid) for pid in ids]
    finally:
        store.close()


def _problem_view(store: RunStore, pid: str) -> ProblemView:
    cands = {c.candidate_id: c for c in store.candidates(pid)}
    clusters = store.get_blob(pid, "clusters") or {"clusters": []}
    scores = store.get_blob(pid, "scores") or {}
    selection = (store.get_blob(pid, "selection") or {}).get("ids", [])
    hidden = store.verdicts("hidden_verdicts", pid)
    public = store.verdicts("public_verdicts", pid)
    rank = {cid: i + 1 for i, cid in enumerate(selection)}
    views = []
    for cl in clusters.get("clusters", []):
        members = tuple(dict.fromkeys(cl["members"]))
        scored = [(scores[m], m) for m in members if m in scores]
        best = max(scored)[0] if scored else None
        chosen = [m for m in members if m in rank]
        rep = min(chosen, key=rank.__getitem__) if chosen else (max(scored)[1] if scored else members[0])
        judged = [hidden[m][0] for m in members if m in hidden]
        hidden_text = (f"{judged.count('AC')}/{len(judged)} AC" if judged else "")
        c = cands.get(rep)
        views.append(ClusterView(
            index=cl["index"], size=sum(cands[m].count if m in cands else 1 for m in members), members=members,
            outcome_summary=_summary(cl.get("signature", [])), best_score=best, representative=rep,
            code=c.code if c else "", language=c.language if c else "",
            selected_rank=min((rank[m] for m in chosen), default=None), hidden=hidden_text))
    views.sort(key=lambda v: -v.size)
    names = {pid: pid}
    stats = {
        "samples": store.num_samples(pid), "candidates": len(cands),
        "passed_public": sum(1 for v in public.values() if v[0] == "AC"),
        "clusters": len(views), "reason": clusters.get("reason", ""),
        "stages": store.stages(pid),
    }
    return ProblemView(pid, names[pid], tuple(views), tuple(selection), clusters.get("showcase") or {}, stats)


# -- terminal ----------------------------------------------------------------------------------------
def format_table(view: ProblemView, width: int = 100) -> str:
    lines = [f"== {view.id}: {view.stats['samples']} samples, {view.stats['candidates']} candidates, "
             f"{view.stats['passed_public']} pass the examples, {view.stats['clusters']} clusters"]
    if view.stats.get("reason"):
        lines.append(f"   note: {view.stats['reason']}")
    header = f"{'#':>3} {'size':>5} {'selected':>8} {'score':>6} {'hidden':>9}  {'outcomes':<28} representative"
    lines.append(header)
    for v in view.clusters:
        first = next((ln.strip() for ln in v.code.splitlines() if ln.strip() and not ln.strip().startswith("#")), "")
        rep = f"{v.representative[:10]} {first}"[: max(20, width - len(header) + 14)]
        score = f"{v.best_score:.3f}" if v.best_score is not None else "-"
        sel = str(v.selected_rank) if v.selected_rank else ""
        lines.append(f"{v.index:>3} {v.size:>5} {sel:>8} {score:>6} {v.hidden:>9}  {v.outcome_summary[:28]:<28} {rep}")
    return "\n".join(lines)


# -- HTML --------------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
table.summary th{text-align:left;font-weight:normal} th{background:#f3f3f3} pre{background:#f7f7f7;padding:6px;max-height:320px;overflow:auto;font-size:12px;margin:0;white-space:pre-wrap;max-width:640px}
.sel{background:#e6f4ea} .bar{fill:#4a7bd0} .barsel{fill:#2e9b4f} .small{color:#666;font-size:.9em}
"""


def _chart(view: ProblemView) -> str:
    if not view.clusters:
        return "<p class='small'>no clusters</p>"
    shown = view.clusters[:30]
    top = max(v.size for v in shown)
    bar_w, gap, height = 22, 6, 160
    width = len(shown) * (bar_w + gap) + 40
    parts = [f"<svg class='chart' role='img' aria-label='cluster sizes' width='{width}' height='{height + 40}' "
             f"xmlns='http://www.w3.org/2000/svg'>"]
    for i, v in enumerate(shown):
        h = max(2, int(height * v.size / top))
        x = 30 + i * (bar_w + gap)
        cls = "barsel" if v.selected_rank else "bar"
        parts.append(f"<rect class='{cls}' x='{x}' y='{height - h + 10}' width='{bar_w}' height='{h}'>"
                     f"<title>cluster {v.index}: {v.size}</title></rect>")
        parts.append(f"<text x='{x + bar_w / 2}' y='{height + 25}' font-size='10' text-anchor='middle'>{v.index}</text>")
        parts.append(f"<text x='{x + bar_w / 2}' y='{height - h + 6}' font-size='10' text-anchor='middle'>{v.size}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _problem_html(view: ProblemView) -> str:
    e = html.escape
    out = [f"<section class='problem' id='p-{e(view.id)}'><h2>{e(view.id)}</h2>",
           f"<p class='small'>{view.stats['samples']} samples, {view.stats['candidates']} candidates, "
           f"{view.stats['passed_public']} pass the examples, {view.stats['clusters']} clusters. "
           f"{e(view.stats.get('reason') or '')}</p>", _chart(view)]
    out.append("<h3>Selection order</h3><ol class='selection'>")
    for cid in view.selected:
        where = next((v.index for v in view.clusters if cid in v.members), None)
        out.append(f"<li><code>{e(cid)}</code> (cluster {where})</li>")
    out.append("</ol>")
    out.append("<h3>Clusters</h3><table class='clusters'><tr><th>cluster</th><th>size</th><th>selected</th>"
               "<th>best score</th><th>hidden tests</th><th>outcomes on generated inputs</th>"
               "<th>representative program</th></tr>")
    for v in view.clusters:
        score = f"{v.best_score:.3f}" if v.best_score is not None else "–"
        out.append(f"<tr class='{'sel' if v.selected_rank else ''}'><td>{v.index}</td><td>{v.size}</td>"
                   f"<td>{v.selected_rank or ''}</td><td>{score}</td><td>{e(v.hidden)}</td>"
                   f"<td>{e(v.outcome_summary)}</td><td><div class='small'>{e(v.representative)} "
                   f"({e(v.language)})</div><pre>{e(v.code)}</pre></td></tr>")
    out.append("</table>")
    inputs = view.showcase.get("inputs") or []
    outputs = view.showcase.get("outputs") or {}
    if inputs:
        out.append("<h3>Inputs that tell clusters apart</h3><table class='distinguishing'><tr><th>input</th>")
        cols = [k for k in outputs]
        out.extend(f"<th>cluster {e(c)}</th>" for c in cols)
        out.append("</tr>")
        for item in inputs:
            out.append(f"<tr><td><pre>{e(item['text'])}</pre></td>")
            out.extend(f"<td><pre>{e(outputs[c].get(item['key'], ''))}</pre></td>" for c in cols)
            out.append("</tr>")
        out.append("</table>")
    out.append("</section>")
    return "".join(out)


def summary_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    """The evaluation's headline figures as (name, value) pairs, in the order AlphaCode reports them."""
    def pct(value: Any) -> str:
        return f"{value:.1%}" if isinstance(value, (int, float)) else "–"

    rows = [("problems", str(s.get("problems", "–"))),
            (f"solved with {s.get('k', 10)} submissions", pct(s.get("solve_rate"))),
            ("solved with 1 submission", pct(s.get("solve_rate_at_1")))]
    rows += [(f"pass@{k}", pct(v)) for k, v in (s.get("pass_at_k") or {}).items()]
    rows += [(k, pct(v)) for k, v in (s.get("n_at_k") or {}).items()]
    rows += [("top-1 precision (a near miss passes the examples)", pct(s.get("top1_precision"))),
             ("distinguishing rate", pct(s.get("distinguishing_rate"))),
             ("cohesion", pct(s.get("cohesion"))),
             ("no candidate passes the examples", pct(s.get("no_public_pass_share")))]
    return rows


def _summary_html(s: dict[str, Any]) -> str:
    cells = "".join(f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>"
                    for name, value in summary_rows(s))
    return f"<table class='summary'>{cells}</table>"


def render_html(run_dir: Path, views: list[ProblemView]) -> str:
    results_path = run_dir / "results.json"
    summary = ""
    if results_path.exists():
        data = json.loads(results_path.read_text(encoding="utf-8"))
        s = data.get("summary", {})
        summary = _summary_html(s)
    body = "".join(_problem_html(v) for v in views)
    toc = "".join(f"<li><a href='#p-{html.escape(v.id)}'>{html.escape(v.id)}</a> ({len(v.clusters)} clusters)</li>"
                  for v in views)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>cpagent clusters: {html.escape(run_dir.name)}"
            f"</title><style>{_CSS}</style></head><body><h1>cpagent clusters — {html.escape(str(run_dir))}</h1>"
            f"{summary}<ul class='toc'>{toc}</ul>{body}</body></html>")


def write_report(run_dir: Path, path: Path, problem_id: str | None = None) -> Path:
    views = collect(run_dir, problem_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render_html(run_dir, views), encoding="utf-8")
    tmp.replace(path)
    return path
