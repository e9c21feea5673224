"""The Label Studio controls a case maps onto: names and choice values, shared by
the task converters and the labelling config so the three always agree."""

from __future__ import annotations

from typing import get_args

from training.annotations import TRAP_TYPES, GoldContext, GoldTools

TEXT = "text"  # the Text object; also the task data field holding the narrative
DATA_FIELDS = ("case_id", "split", "provenance", "annotator")  # task data besides the text

# One region per evidence span, labelled with its catalogue id.
INDICATOR = "indicator"
# Per-region choices, identical on every region of one indicator.
AFFIRMED, CONTEXT, ALSO = "affirmed", "context", "also"
REGION_CONTROLS = (AFFIRMED, CONTEXT, ALSO)
# Regions of one indicator (several evidence spans) are linked by this relation.
SAME_INDICATOR = "same indicator"
# Case-level choices and the notes text area.
LEVEL, IMMEDIATE_RISK, TOOLS_REQUIRED, TOOLS_COMPLETED, TRAPS = (
    "level", "immediate_risk", "tools_required", "tools_completed", "traps",
)
NOTES = "notes"
CASE_CONTROLS = (LEVEL, IMMEDIATE_RISK, TOOLS_REQUIRED, TOOLS_COMPLETED, TRAPS, NOTES)

AFFIRMED_CHOICES = {"affirmed": True, "not affirmed": False}
YES_NO = {"yes": True, "no": False}
LEVELS = ("1", "2", "3", "4")
CONTEXT_FLAGS = tuple(GoldContext.model_fields)
TOOLS = get_args(get_args(GoldTools.model_fields["required"].annotation)[0])
TRAP_CHOICES = TRAP_TYPES
