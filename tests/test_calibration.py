"""Calibrated countries and honest abstention (issue 15, item 6): the evidence model's `elsewhere`
term, the fit on the tuning part of the real set, and summaries that say when no country stands out.

The check-part numbers (of the items whose top country has p >= 0.8, the share right) come from
`make eval`; here the mechanisms are tested by forcing their conditions."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from clueextract.assess.model import DATA, EvidenceModel
from clueextract.export.summary_md import render_md
from clueextract.export.summary_model import build_case_view

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

PARAMS = {"method": "test", "repeat_bonus": 0.25, "same_kind_decay": 0.5, "sharpness": 4.0, "elsewhere": 0.5,
          "stands_out": 0.5, "max_support": 5, "max_against": 5,
          "kind_factor": {"phone": 1.0, "text_language": 0.6, "place": 0.7}}


def _rec(cid: str, kind: str, value: str, *votes: tuple[str, float]) -> dict:
    return {"clue_id": cid, "item_id": "i-1", "kind": kind, "value": value, "normalized": value.casefold(),
            "countries": [{"country": cc, "weight": w, "reason": f"{kind} says {cc}"} for cc, w in votes],
            "extra": {}, "locator": {}}


def test_a_lone_weak_clue_leaves_most_probability_elsewhere():
    body = EvidenceModel(PARAMS).assess([_rec("a", "text_language", "tl", ("PH", 0.1))])
    s, e = 0.1 * 0.6, 0.5
    expected = math.exp(4.0 * s) / (math.exp(4.0 * s) + math.exp(4.0 * e))   # computed by hand
    assert body["countries"][0]["probability"] == pytest.approx(expected, abs=1e-4)
    assert body["elsewhere"] == pytest.approx(1 - expected, abs=1e-4)
    assert body["stands_out"] is False


def test_a_strong_clue_stands_out_and_probabilities_with_elsewhere_sum_to_one():
    body = EvidenceModel(PARAMS).assess([_rec("p", "phone", "+66 2 123 4567", ("TH", 0.95)),
                                         _rec("l", "text_language", "th", ("TH", 0.3), ("LA", 0.05))])
    total = sum(r["probability"] for r in body["countries"]) + body["elsewhere"]
    assert total == pytest.approx(1.0, abs=1e-3)
    assert body["countries"][0]["country"] == "TH" and body["stands_out"] is True


def test_a_model_without_elsewhere_keeps_its_old_output():
    old = {k: v for k, v in PARAMS.items() if k not in ("elsewhere", "stands_out")}
    body = EvidenceModel(old).assess([_rec("a", "text_language", "tl", ("PH", 0.1))])
    assert body["countries"][0]["probability"] == 1.0 and "elsewhere" not in body


def test_the_shipped_model_is_fitted_on_the_tuning_part():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    fitted = data["fitted"]
    assert "tune" in fitted["on"] and fitted["items"] >= 20
    assert fitted["after"] < fitted["before"]
    assert data["elsewhere"] > 0 and 0 < data["stands_out"] < 1


def test_the_fit_trusts_a_kind_that_is_right_and_distrusts_one_that_is_wrong():
    from fit_evidence_model import fit

    base = {**PARAMS, "kind_factor": {"phone": 1.0, "text_language": 1.0, "place": 0.7}}
    items = []
    for i in range(12):   # phones always name the truth, text languages always another country
        truth = ["TH", "VN", "ID"][i % 3]
        wrong = ["PH", "IT", "TR"][i % 3]
        items.append((truth, [_rec(f"p{i}", "phone", f"+{i}", (truth, 0.6)),
                              _rec(f"t{i}", "text_language", f"l{i}", (wrong, 0.6))]))
    params, after = fit(items, base, ["phone", "text_language"], prior=1.0)
    assert params["kind_factor"]["phone"] > params["kind_factor"]["text_language"]
    assert params["kind_factor"]["text_language"] < 1.0


def _case_records(stands_out: bool) -> list[dict]:
    item = {"record": "item", "item_id": "i-1", "path": "a/sign.jpg", "series": "a", "media_type": "image",
            "size": 1, "sha256": "0" * 64, "md5": "0" * 32, "sha1": "0" * 40, "status": "done", "error": None}
    clue = {"record": "clue", **_rec("c-1", "text_language", "tl", ("PH", 0.1)),
            "source": {"stage": "text", "engine": "x"}, "confidence": 0.5, "language": None}
    ranked = [{"country": "PH", "probability": 0.24, "score": 0.06, "clue_ids": ["c-1"]}]
    assess = {"countries": ranked, "against": [], "discounted": [], "clue_count": 1, "method": "t",
              "elsewhere": 0.76, "stands_out": stands_out}
    return [item, clue, {"record": "assessment", "scope": "item", "item_id": "i-1", **assess},
            {"record": "assessment", "scope": "series", "series": "a", **assess}]


def test_the_summary_says_when_no_country_stands_out():
    weak = render_md(build_case_view(_case_records(False), "case"))
    assert "No country stands out" in weak and "76%" in weak
    strong = render_md(build_case_view(_case_records(True), "case"))
    assert "No country stands out" not in strong
