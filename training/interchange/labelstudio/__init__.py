"""Annotated cases to and from Label Studio JSON tasks, losslessly.

One task per case. The case's text and bookkeeping fields (id, split, provenance,
annotator) are task data; everything an annotator decides is in the task's single
annotation, using the controls of annotations/labelstudio_config.xml:

- each evidence span is a region labelled (`indicator`) with its catalogue id;
- each region carries the per-region choices `affirmed`, `context` and `also`
  (identical on every region of one indicator);
- regions of one indicator with several evidence spans are linked by
  "same indicator" relations (regions without relations are indicators of their own);
- case-level choices `level`, `immediate_risk`, `tools_required`, `tools_completed`,
  `traps`, and the `notes` text area.

Offsets are Python string indices into `data.text`; every region's text is checked
against them on import.

Modules: `controls` (names and choice values), `to_tasks`, `from_tasks`, and `config`
(the labelling config XML, generated from the catalogue).
"""

from training.interchange.labelstudio.config import CONFIG_PATH, labelstudio_config
from training.interchange.labelstudio.from_tasks import labelstudio_to_cases, task_to_case
from training.interchange.labelstudio.to_tasks import case_to_task, cases_to_labelstudio

__all__ = [
    "CONFIG_PATH",
    "case_to_task",
    "cases_to_labelstudio",
    "labelstudio_config",
    "labelstudio_to_cases",
    "task_to_case",
]
