"""MASH outcomes of a decision, with their labels: a light module (no pipeline imports), so
the QA analytics and command line can use them without loading the NLP models."""

from __future__ import annotations

from typing import Literal

Outcome = Literal[
    "no_further_action",
    "information_advice",
    "universal_or_early_help",
    "child_in_need_s17",
    "strategy_s47",
    "police_immediate_protection",
]
OUTCOME_LABELS = {
    "no_further_action": "No further action",
    "information_advice": "Information and advice",
    "universal_or_early_help": "Refer to universal / early help services",
    "child_in_need_s17": "Child in need assessment (S.17)",
    "strategy_s47": "Strategy discussion / S.47 enquiry",
    "police_immediate_protection": "Police / immediate protection",
}
