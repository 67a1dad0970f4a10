"""`cpagent train-scorer` end to end: real programs compiled, judged and clustered in the real sandbox."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agent.cli import main
from scorer import load_scorer

SUM_OK = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a+b);return 0;}\n'
SUM_OK2 = '#include <stdio.h>\nint main(void){long long a,b,s;scanf("%lld%lld",&a,&b);s=b+a;printf("%lld\\n",s);}\n'
SUM_OVERFLOW = '#include <stdio.h>\nint main(void){int a,b;scanf("%d %d",&a,&b);printf("%d\\n",a+b);return 0;}\n'
SUM_EQ_BUG = ('#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);'
              'printf("%lld\\n",a+b+(a==b));return 0;}\n')
SUM_FAILS_SAMPLE = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);printf("%lld\\n",a-b);}\n'

MAX_OK = ('#include <stdio.h>\nint main(void){int n,x,m=0;scanf("%d",&n);for(int i=0;i<n;i++){scanf("%d",&x);'
          'if(x>m)m=x;}printf("%d\\n",m);return 0;}\n')
MAX_OK2 = ('#include <stdio.h>\nint a[200];int main(void){int n,m;scanf("%d",&n);for(int i=0;i<n;i++)scanf("%d",&a[i]);'
           'm=a[0];for(int i=1;i<n;i++)if(a[i]>m)m=a[i];printf("%d\\n",m);}\n')
MAX_FIRST_TWO = ('#include <stdio.h>\nint main(void){int n,x,y;scanf("%d %d %d",&n,&x,&y);'
                 'printf("%d\\n",x>y?x:y);return 0;}\n')
MAX_SKIP_FIRST = ('#include <stdio.h>\nint main(void){int n,x,m=0;scanf("%d",&n);scanf("%d",&x);'
                  'for(int i=1;i<n;i++){scanf("%d",&x);if(x>m)m=x;}printf("%d\\n",m);return 0;}\n')

EVEN_OK = '#include <stdio.h>\nint main(void){long n;scanf("%ld",&n);puts(n%2==0?"YES":"NO");return 0;}\n'
EVEN_OK2 = '#include <stdio.h>\nint main(void){long n;scanf("%ld",&n);if(n&1)puts("NO");else puts("YES");}\n'
EVEN_BY_FOUR = '#include <stdio.h>\nint main(void){long n;scanf("%ld",&n);puts(n%4==0?"YES":"NO");return 0;}\n'
EVEN_BIG = '#include <stdio.h>\nint main(void){long n;scanf("%ld",&n);puts(n>3?"YES":"NO");return 0;}\n'


def _row(pid: str, statement: str, sample: tuple[str, str], ok: list[str], bad: list[str]) -> dict:
    return {
        "id": pid, "name": pid, "statement": statement, "time_limit_s": 1.0, "memory_mb": 256,
        "public_tests": [{"input": sample[0], "output": sample[1]}], "hidden_tests": [],
        "correct_solutions": [{"language": "c", "code": c, "submission_id": f"{pid}ok{i}"} for i, c in enumerate(ok)],
        "incorrect_solutions": [{"language": "c", "code": c, "submission_id": f"{pid}bad{i}",
                                 "cf_verdict": "WRONG_ANSWER"} for i, c in enumerate(bad)],
        "checker": "tokens_exact", "clean": True,
    }


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: the dataset's C programs cannot be compiled")
    rows = [
        _row("sum", "Print a+b.\n\nInput\nTwo integers a and b (1 ≤ a, b ≤ 10^9).\n\nOutput\nTheir sum.",
             ("1 2\n", "3\n"), [SUM_OK, SUM_OK2], [SUM_OVERFLOW, SUM_EQ_BUG, SUM_FAILS_SAMPLE]),
        _row("max", "Print the largest number.\n\nInput\nn (1 ≤ n ≤ 100), then n integers 1 ≤ a_i ≤ 1000.\n\n"
             "Output\nThe maximum.", ("3\n1 5 2\n", "5\n"), [MAX_OK, MAX_OK2], [MAX_FIRST_TWO, MAX_SKIP_FIRST]),
        _row("even", "Is n even?\n\nInput\nOne integer n (1 ≤ n ≤ 10^6).\n\nOutput\nYES or NO.",
             ("4\n", "YES\n"), [EVEN_OK, EVEN_OK2], [EVEN_BY_FOUR, EVEN_BIG]),
        _row("max2", "Print the largest number.\n\nInput\nn (1 ≤ n ≤ 50), then n integers 1 ≤ a_i ≤ 100.\n\n"
             "Output\nThe maximum.", ("4\n7 9 1 3\n", "9\n"), [MAX_OK2, MAX_OK], [MAX_SKIP_FIRST, MAX_FIRST_TWO]),
    ]
    path = tmp_path_factory.mktemp("data") / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def sandbox_ready() -> str:
    from sandbox.backend import open_backend
    from sandbox.errors import SandboxError

    try:
        open_backend("native").close()
    except SandboxError as exc:
        pytest.skip(f"the native sandbox is not usable here: {exc.message}")
    return "native"


def test_train_features_scorer_end_to_end(dataset, sandbox_ready, tmp_path, capsys):
    out = tmp_path / "scorer.joblib"
    argv = ["train-scorer", str(dataset), "-o", str(out), "--cache-dir", str(tmp_path / "cache"),
            "--max-rounds", "2", "--json"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kind"] == "features" and summary["problems"] == 4
    # 17 programs, one fails the sample: 16 candidates are scored, 8 of them accepted.
    assert summary["examples"] == 16 and summary["positives"] == 8
    assert summary["model"] in ("gbdt", "logreg") and set(summary["cv_metrics"]) == {"gbdt", "logreg"}
    assert summary["run"] == {"cached_problems": 0, "run_problems": 4, "wall_s": summary["run"]["wall_s"]}
    scorer = load_scorer(out)
    assert scorer.data_identity_ == summary["data_identity"]

    # The run data is cached: a second training runs nothing and learns the same scorer.
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["run"]["cached_problems"] == 4 and again["data_identity"] == summary["data_identity"]
    # Its metadata is written beside it, readable without unpickling; the defaults were measured best.
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["data_identity"] == summary["data_identity"] and meta["extra"]["subset"] == "clean"
    assert summary["train_on"] == "all" and summary["feature_set"] == "reproducible"
    # --cached-only trains on what a long run has filled so far, running nothing.
    assert main(argv + ["--cached-only", "--features", "base", "--train-on", "mixed"]) == 0
    cached = json.loads(capsys.readouterr().out)
    assert cached["run"]["run_problems"] == 0 and cached["feature_set"] == "base" and cached["train_on"] == "mixed"


def test_train_neural_scorer_end_to_end(dataset, tmp_path, capsys):
    out = tmp_path / "neural"
    assert main(["train-scorer", str(dataset), "--kind", "neural", "-o", str(out), "--epochs", "1",
                 "--max-len", "128", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kind"] == "neural" and summary["examples"] + summary["validation_examples"] == 17
    assert summary["backbone"] == "fresh:tiny" and len(summary["history"]) == 1
    assert (out / "scorer.json").is_file() and (out / "params.npz").is_file()


def test_user_errors_end_in_failure_and_hint(tmp_path, capsys):
    assert main(["train-scorer", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "[FAILURE]" in err and "[HINT]" in err and "Traceback" not in err
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"id": "x", "name": "x", "public_tests": []}) + "\n")
    assert main(["train-scorer", str(empty)]) == 2
    assert "no problem with labelled" in capsys.readouterr().err


def test_subsets_pick_rows_by_their_clean_mark(tmp_path, capsys):
    from agent.commands.train_scorer import read_dataset

    rows = [_row(f"p{i}", "Print a+b.\n\nInput\nTwo integers.\n\nOutput\nTheir sum.", ("1 2\n", "3\n"),
                 [SUM_OK], [SUM_EQ_BUG]) | ({"clean": False} if i % 2 else {}) for i in range(5)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert [p.id for p in read_dataset(path)] == ["p0", "p2", "p4"]
    assert [p.id for p in read_dataset(path, subset="non-clean")] == ["p1", "p3"]
    assert len(read_dataset(path, subset="all")) == len(read_dataset(path, clean_only=False)) == 5
    # Nothing cached yet: --cached-only says so, with a hint, and runs nothing.
    assert main(["train-scorer", str(path), "--subset", "non-clean", "--cached-only",
                 "--cache-dir", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert "no problem's run data is cached" in err and "[HINT]" in err
