"""The Label Studio labelling config for annotated cases, generated from the catalogue.

The committed annotations/labelstudio_config.xml must equal `labelstudio_config(load_catalogue())`;
regenerate it with `threshold annotations labelstudio-config` whenever the catalogue changes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from training.interchange.labelstudio.controls import (
    AFFIRMED, AFFIRMED_CHOICES, ALSO, CONTEXT, CONTEXT_FLAGS, IMMEDIATE_RISK, INDICATOR, LEVEL, LEVELS, NOTES,
    SAME_INDICATOR, TEXT, TOOLS, TOOLS_COMPLETED, TOOLS_REQUIRED, TRAP_CHOICES, TRAPS, YES_NO,
)

if TYPE_CHECKING:
    from nlp.catalogue import CatalogueEntry

CONFIG_PATH = Path(__file__).resolve().parents[3] / "annotations" / "labelstudio_config.xml"
GENERATED_NOTE = " Generated from the catalogue by `threshold annotations labelstudio-config`: do not edit by hand. "


def labelstudio_config(entries: Iterable[CatalogueEntry]) -> str:
    """The config XML: the text beside one label per catalogue id, per-region and case-level choices."""
    entries = list(entries)
    root = ET.Element("View")
    root.append(ET.Comment(GENERATED_NOTE))
    ET.SubElement(root, "Style").text = ".htx-text { white-space: pre-wrap; }"
    columns = ET.SubElement(root, "View", style="display: flex; gap: 1em;")
    narrative = ET.SubElement(columns, "View", style="flex: 3;")
    ET.SubElement(narrative, "Header", value="$case_id")
    ET.SubElement(narrative, "Text", name=TEXT, value=f"${TEXT}")
    controls = ET.SubElement(columns, "View", style="flex: 2;")
    _add_indicator_labels(controls, entries)
    _add_region_choices(controls, [entry.id for entry in entries])
    _add_case_choices(controls)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode") + "\n"


def _add_choices(parent: ET.Element, name: str, values: Iterable[str], **attributes: str) -> ET.Element:
    choices = ET.SubElement(parent, "Choices", name=name, toName=TEXT, **attributes)
    for value in values:
        ET.SubElement(choices, "Choice", value=value)
    return choices


def _add_indicator_labels(view: ET.Element, entries: list[CatalogueEntry]) -> None:
    """Evidence spans: one label per catalogue id (hint: level and guidance text), filterable."""
    ET.SubElement(view, "Filter", name=f"{INDICATOR}_filter", toName=INDICATOR, minlength="0",
                  placeholder="Filter catalogue ids")
    scroll = ET.SubElement(view, "View", style="max-height: 20em; overflow-y: auto;")
    labels = ET.SubElement(scroll, "Labels", name=INDICATOR, toName=TEXT, choice="single")
    for entry in entries:
        ET.SubElement(labels, "Label", value=entry.id, hint=f"Level {entry.level}: {entry.text}")
    relations = ET.SubElement(view, "Relations")
    ET.SubElement(relations, "Relation", value=SAME_INDICATOR)


def _add_region_choices(view: ET.Element, catalogue_ids: list[str]) -> None:
    """Per evidence span: affirmed, context flags, equivalent ids in other frameworks."""
    region = ET.SubElement(view, "View", visibleWhen="region-selected")
    ET.SubElement(region, "Header", value="Selected evidence span (set alike on every span of one indicator)")
    _add_choices(region, AFFIRMED, AFFIRMED_CHOICES, perRegion="true", choice="single-radio", required="true",
                 showInline="true")
    _add_choices(region, CONTEXT, CONTEXT_FLAGS, perRegion="true", choice="multiple", showInline="true")
    _add_choices(region, ALSO, catalogue_ids, perRegion="true", choice="multiple", layout="select")


def _add_case_choices(view: ET.Element) -> None:
    """Case level: level, immediate risk, screening tools, traps, notes."""
    ET.SubElement(view, "Header", value="Case")
    _add_choices(view, LEVEL, LEVELS, choice="single-radio", required="true", showInline="true")
    _add_choices(view, IMMEDIATE_RISK, YES_NO, choice="single-radio", required="true", showInline="true")
    _add_choices(view, TOOLS_REQUIRED, TOOLS, choice="multiple", showInline="true")
    _add_choices(view, TOOLS_COMPLETED, TOOLS, choice="multiple", showInline="true")
    _add_choices(view, TRAPS, TRAP_CHOICES, choice="multiple", showInline="true")
    ET.SubElement(view, "TextArea", name=NOTES, toName=TEXT, editable="true", maxSubmissions="1", rows="3",
                  placeholder="Notes on this case")
