"""How a problem's output is compared: plain data shared by the judge, clustering and problem files."""

from __future__ import annotations

from dataclasses import dataclass

CHECKER_KINDS = ("exact", "tokens", "float", "words", "lines", "custom")


@dataclass(frozen=True)
class CheckerSpec:
    """`tokens` (whitespace-separated tokens, the default), `exact` (bytes), `float` (tokens, numbers
    within `abs_eps` or `rel_eps`), `words` (tokens, case-insensitive: YES/yes), `lines` (line by line,
    trailing spaces ignored), or `custom`: a testlib-compatible program `checker input output answer`.
    """

    kind: str = "tokens"
    abs_eps: float = 1e-6
    rel_eps: float = 1e-6
    source: str | None = None  # custom checker source code
    language: str | None = None  # language id of the custom checker (e.g. cpp17)

    def __post_init__(self) -> None:
        if self.kind not in CHECKER_KINDS:
            raise ValueError(f"unknown checker kind {self.kind!r}; expected one of {', '.join(CHECKER_KINDS)}")
        if self.kind == "custom" and not self.source:
            raise ValueError("a custom checker needs its source")

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"kind": self.kind}
        if self.kind == "float":
            data.update(abs_eps=self.abs_eps, rel_eps=self.rel_eps)
        if self.kind == "custom":
            data.update(source=self.source, language=self.language)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "CheckerSpec":
        return cls(
            kind=str(data.get("kind", "tokens")),
            abs_eps=float(data.get("abs_eps", 1e-6)),  # type: ignore[arg-type]
            rel_eps=float(data.get("rel_eps", 1e-6)),  # type: ignore[arg-type]
            source=data.get("source"),  # type: ignore[arg-type]
            language=data.get("language"),  # type: ignore[arg-type]
        )
