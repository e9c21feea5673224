"""Split a narrative into plain and highlighted segments for the page.

Evidence spans may overlap; the narrative is cut at every span boundary and each piece
lists the indicators whose evidence covers it, so every highlighted word links to its cards.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    text: str
    indicators: tuple[str, ...]  # ids whose evidence covers this piece
    affirmed: bool  # at least one of them is an affirmed concern


def segments(narrative: str, indicators: list[dict]) -> list[Segment]:
    spans = [
        (max(0, e["start"]), min(len(narrative), e["end"]), i["id"], i["affirmed"])
        for i in indicators for e in i["evidence"] if e["end"] > e["start"]
    ]
    cuts = sorted({0, len(narrative), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    out = []
    for start, end in zip(cuts, cuts[1:]):
        covering = [(ident, affirmed) for s, e, ident, affirmed in spans if s <= start and end <= e]
        ids = tuple(dict.fromkeys(ident for ident, _ in covering))
        out.append(Segment(narrative[start:end], ids, any(affirmed for _, affirmed in covering)))
    return out
