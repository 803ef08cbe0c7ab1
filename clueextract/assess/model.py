"""The evidence model: clue votes -> ranked, explained country probabilities.

Every clue kind already votes with a weight and a reason (phones, domains, currency,
scripts, packs, gazetteer ...). Combining them must respect three facts of the material:

1. Repeats are not independent evidence. A logo in 200 frames, the same phone number on
   every page, the Thai script on every line of one sign: the votes of clues of one kind
   with one normalised value count once, plus at most `repeat_bonus` (25 %) however many
   times they repeat. So 200 frames of one logo (brand weight <= 0.6 x 0.8) stay below
   one "+CC" phone number (0.9).
2. Volume of one kind is not strength. Further distinct values of the same kind for the
   same country count with geometrically falling weights (`same_kind_decay`): five Thai
   place names add up to less than twice one.
3. Kinds differ in how much they say about where the scene is (`kind_factor`): a GPS tag
   or a local legal form more than the language of a text, which may be a foreign
   mention. Clues whose votes were set aside at extraction (text naming a place
   elsewhere: "twinned with …") contribute nothing and are listed as such.

The score of a country is the sum of its per-kind contributions; probabilities are a
softmax of the scores (`sharpness`) over the countries with votes and, in a calibrated
model, one more term for all the countries without a vote (`elsewhere`, a score): a lone
weak clue then leaves most of the probability "elsewhere" instead of making its country
100 %, and `stands_out` says whether the leader reaches the `stands_out` probability. The
numbers are fitted on the tuning part of eval/real (scripts/fit_evidence_model.py), not set
by hand; `fitted` in the data file says on what and with what result. Every number comes from clueextract/data/evidence_model.json, whose
hash is part of the scan's config hash. Output rows name the clues behind each country
(strongest first, with the reason each gave) and the strongest votes for other countries.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

DATA = Path(__file__).resolve().parent.parent / "data" / "evidence_model.json"


@dataclass
class _Group:
    """The votes for one country from one (kind, normalised value)."""

    kind: str
    best: float = 0.0
    best_clue: dict = field(default_factory=dict)
    best_reason: str = ""
    clue_ids: list = field(default_factory=list)

    def add(self, clue: dict, weight: float, reason: str) -> None:
        self.clue_ids.append(clue["clue_id"])
        if weight > self.best:
            self.best, self.best_clue, self.best_reason = weight, clue, reason

    def strength(self, repeat_bonus: float) -> float:
        n = len(self.clue_ids)
        return self.best * (1.0 + repeat_bonus * (1.0 - 1.0 / n))


class EvidenceModel:
    def __init__(self, params: dict[str, Any]):
        self.params = params
        self.kind_factor: dict[str, float] = params["kind_factor"]
        self.method = params["method"]

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> "EvidenceModel":
        return cls(json.loads(DATA.read_text(encoding="utf-8")))

    def assess(self, clues: Iterable[dict]) -> dict[str, Any]:
        """Assessment body (countries, against, discounted, clue_count) for a set of clue records."""
        p = self.params
        groups: dict[tuple[str, str, str], _Group] = {}
        discounted, count = [], 0
        for c in clues:
            count += 1
            aside = (c.get("extra") or {}).get("set_aside")
            if aside:
                discounted.append({"clue_id": c["clue_id"], "kind": c["kind"], "value": c["value"],
                                   "reason": aside.get("reason", "set aside")})
            factor = self.kind_factor.get(c["kind"], 0.5)
            for v in c.get("countries") or []:
                w = float(v["weight"]) * factor
                if w <= 0:
                    continue
                key = (v["country"], c["kind"], c.get("normalized") or c["value"])
                groups.setdefault(key, _Group(c["kind"])).add(c, w, v["reason"])
        by_country: dict[str, dict[str, list[_Group]]] = defaultdict(lambda: defaultdict(list))
        for (cc, kind, _), g in groups.items():
            by_country[cc][kind].append(g)
        scores: dict[str, float] = {}
        support: dict[str, list[tuple[float, _Group]]] = {}
        for cc, kinds in by_country.items():
            total, rows = 0.0, []
            for _kind, gs in kinds.items():
                gs.sort(key=lambda g: (-g.strength(p["repeat_bonus"]), g.best_clue["clue_id"]))
                for i, g in enumerate(gs):
                    contrib = g.strength(p["repeat_bonus"]) * (p["same_kind_decay"] ** i)
                    total += contrib
                    rows.append((contrib, g))
            scores[cc] = total
            support[cc] = sorted(rows, key=lambda r: (-r[0], r[1].best_clue["clue_id"]))
        ranked = sorted(scores, key=lambda cc: (-scores[cc], cc))
        probs, elsewhere = _softmax([scores[cc] for cc in ranked], p["sharpness"], p.get("elsewhere"))
        countries = []
        for cc, prob in zip(ranked, probs):
            ids = sorted({i for _, g in support[cc] for i in g.clue_ids})
            countries.append({"country": cc, "probability": round(prob, 4), "score": round(scores[cc], 4),
                              "clue_ids": ids,
                              "support": [_row(g, contrib) for contrib, g in support[cc][:p["max_support"]]]})
        against = []
        if ranked:
            top = ranked[0]
            rows = [(contrib, cc, g) for cc in ranked[1:] for contrib, g in support[cc]
                    if top not in _voted(g.best_clue)]
            rows.sort(key=lambda r: (-r[0], r[1], r[2].best_clue["clue_id"]))
            against = [{**_row(g, contrib), "country": cc} for contrib, cc, g in rows[:p["max_against"]]]
        body = {"method": self.method, "countries": countries, "against": against,
                "discounted": discounted, "clue_count": count}
        if "elsewhere" in p:  # calibrated models: the share left to every country without a vote
            body["elsewhere"] = round(elsewhere, 4)
            body["stands_out"] = bool(countries) and countries[0]["probability"] >= p.get("stands_out", 0.5)
        return body


def _voted(clue: dict) -> set[str]:
    return {v["country"] for v in clue.get("countries") or []}


def _row(g: _Group, contrib: float) -> dict[str, Any]:
    c = g.best_clue
    return {"clue_id": c["clue_id"], "item_id": c.get("item_id"), "kind": g.kind, "value": c["value"],
            "weight": round(contrib, 4), "repeats": len(g.clue_ids), "reason": g.best_reason,
            "locator": c.get("locator") or {}}


def _softmax(scores: list[float], sharpness: float, elsewhere: float | None = None) -> tuple[list[float], float]:
    """Probabilities of the scored countries and what is left for all others. With `elsewhere`
    (a score, fitted), every country without a vote together weighs like one country of that
    score: a single weak clue no longer makes its country 100 %."""
    if not scores:
        return [], 1.0 if elsewhere is not None else 0.0
    m = max(scores + ([elsewhere] if elsewhere is not None else []))
    e = [math.exp(sharpness * (s - m)) for s in scores]
    rest = math.exp(sharpness * (elsewhere - m)) if elsewhere is not None else 0.0
    t = sum(e) + rest
    return [x / t for x in e], rest / t


def assess(clues: Iterable[dict]) -> dict[str, Any]:
    return EvidenceModel.default().assess(clues)
