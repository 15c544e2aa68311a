"""What every extractor returns, and a small collector that keeps value and evidence together."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from pipeline.models import BBox, Evidence, Line, Model, Page


class Extraction(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    record: Model
    evidence: dict[str, Evidence] = {}
    unread: dict[str, str] = {}
    confidence: float = 1.0
    # The reading's own score of each field put (OCR line score; 1.0 for a file's own text),
    # and the fields read as declaring nothing.
    read_confidence: dict[str, float] = {}
    blank: list[str] = []


class Collector:
    """Collects field values with their evidence; a field never set is reported as unread."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[str, Any] = {}
        self.evidence: dict[str, Evidence] = {}
        self.confidences: list[float] = []
        self.field_confidence: dict[str, float] = {}
        self.blank: list[str] = []

    def put(
        self,
        name: str,
        value: Any,
        text: str,
        page: int | None = None,
        bbox: BBox | None = None,
        confidence: float = 1.0,
    ) -> None:
        if value is None or name in self.values:
            return
        self.values[name] = value
        self.evidence[name] = Evidence(file=self.file, page=page, bbox=bbox, text=text)
        self.confidences.append(confidence)
        self.field_confidence[name] = confidence

    def put_blank(self, name: str, text: str, page: int | None = None) -> None:
        """A field that was read and holds nothing ("—", an empty cell): null, but not unread."""
        if name in self.values or name in self.evidence:
            return
        self.evidence[name] = Evidence(file=self.file, page=page, text=text)
        self.blank.append(name)

    def put_line(self, name: str, value: Any, page: Page, line: Line) -> None:
        self.put(name, value, line.text, page.number, line.bbox, line.confidence)

    def finish(self, record_type: type[Model], expected: list[str]) -> Extraction:
        record = record_type.model_validate(self.values)
        unread = {
            name: "未能读取"
            for name in expected
            if name not in self.values and name not in self.evidence
        }
        conf = min(self.confidences) if self.confidences else 0.0
        return self.extraction(record, unread, conf)

    def extraction(self, record: Model, unread: dict[str, str], confidence: float) -> Extraction:
        """What was collected, for an extractor that builds its record and unread list itself."""
        return Extraction(
            record=record,
            evidence=self.evidence,
            unread=unread,
            confidence=confidence,
            read_confidence=self.field_confidence,
            blank=self.blank,
        )
