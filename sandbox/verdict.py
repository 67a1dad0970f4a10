"""The one verdict vocabulary of cpagent, with its fixed display order and precedence.

`Status` describes one process run (did it exit normally, or hit a limit); `Verdict` is what a judge
says about a program on a test. IE means the infrastructure failed: it is retried and never becomes
part of a behaviour signature or a score.
"""

from __future__ import annotations

import enum


class Status(str, enum.Enum):
    """Outcome of running one process under limits."""

    OK = "OK"
    RE = "RE"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"
    CE = "CE"
    IE = "IE"

    def __str__(self) -> str:
        return self.value


class Verdict(str, enum.Enum):
    """Judgement of a program on a test, in display order."""

    AC = "AC"
    WA = "WA"
    PE = "PE"
    TLE = "TLE"
    MLE = "MLE"
    OLE = "OLE"
    RE = "RE"
    CE = "CE"
    IE = "IE"

    def __str__(self) -> str:
        return self.value

    @property
    def accepted(self) -> bool:
        return self is Verdict.AC


# When several limits are hit in one run the most telling wins: an infrastructure failure hides
# everything (the run says nothing about the program), a compile error precedes any run, and resource
# limits outrank the crash they usually cause (a program killed for memory also "crashed").
PRECEDENCE: tuple[Verdict, ...] = (
    Verdict.IE,
    Verdict.CE,
    Verdict.MLE,
    Verdict.TLE,
    Verdict.OLE,
    Verdict.RE,
    Verdict.PE,
    Verdict.WA,
    Verdict.AC,
)
_RANK = {v: i for i, v in enumerate(PRECEDENCE)}
DISPLAY_ORDER: tuple[Verdict, ...] = tuple(Verdict)


def worst(verdicts: "list[Verdict] | tuple[Verdict, ...]") -> Verdict:
    """The verdict that takes precedence among several (AC when there are none)."""
    if not verdicts:
        return Verdict.AC
    return min(verdicts, key=_RANK.__getitem__)


def verdict_of_status(status: Status) -> Verdict:
    """The verdict a run earns before its output is checked (OK still needs the checker)."""
    mapping = {
        Status.RE: Verdict.RE,
        Status.TLE: Verdict.TLE,
        Status.MLE: Verdict.MLE,
        Status.OLE: Verdict.OLE,
        Status.CE: Verdict.CE,
        Status.IE: Verdict.IE,
    }
    if status is Status.OK:
        raise ValueError("an OK run needs its output checked to earn a verdict")
    return mapping[status]
