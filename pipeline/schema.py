"""The JSON schema of report.json, generated from the models (docs/report.schema.json).

Regenerate after changing pipeline/models.py:  python -m pipeline.schema > docs/report.schema.json
"""

from __future__ import annotations

import json
import sys

from pipeline.models import Report


def report_schema() -> dict[str, object]:
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "dossier report.json"
    return schema


def render() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
