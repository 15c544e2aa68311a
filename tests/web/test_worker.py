"""The worker's status rows follow what the store's ReportRecorder saved."""

from __future__ import annotations

import logging

from sqlalchemy import text

from pipeline.report import SummaryRow
from pipeline.store import recording
from tests.web.conftest import sample_report
from webdesk.db import Batch, BatchApp, now
from webdesk.desk import Desk
from webdesk.worker import StatusWriter


def test_only_a_report_saved_in_the_store_marks_its_application_done(desk: Desk) -> None:
    saved, refused = sample_report("001_已入库"), sample_report("002_未入库")
    out_dir = desk.settings.out / "b1"
    for report in (saved, refused):
        (out_dir / report.application).mkdir(parents=True)
        (out_dir / report.application / "report.json").write_text(
            report.model_dump_json(), encoding="utf-8"
        )
    with desk.db.session(write=True) as s:
        batch = Batch(
            key="b1",
            name="批次",
            city="长沙市",
            uploaded_by=1,
            uploader_name="cs",
            uploaded_at=now(),
            mode="now",
            source=str(out_dir),
            out_dir=str(out_dir),
            state="running",
        )
        s.add(batch)
        s.flush()
        batch_id = batch.id
        for report in (saved, refused):
            s.add(BatchApp(batch_id=batch_id, name=report.application, state="reading"))

    def done(name: str) -> None:
        row = SummaryRow(application=name, verdict="error", errors=1, warnings=1)
        progress.info(name, extra={"event": "application_done", "row": row})

    progress = logging.getLogger("dossier.progress")
    with recording(desk.db.url, "b1", str(out_dir), None, out_dir) as recorder:
        writer = StatusWriter(desk.db, batch_id, recorder)
        progress.addHandler(writer)
        try:
            done(saved.application)
            # A real fault for the second save: its report.json reads fine, the store refuses it.
            with desk.store.engine.begin() as conn:
                conn.execute(text("DROP TABLE finding_evidence"))
            done(refused.application)
        finally:
            progress.removeHandler(writer)

    apps = {a.name: a for a in desk.apps(batch_id)}
    first = apps[saved.application]
    assert (first.state, first.errors, first.warnings, first.company_name) == (
        "done",
        1,
        1,
        "长沙云帆汽车零部件有限公司",
    )
    assert apps[refused.application].state == "reading"  # the worker marks it failed at the end
    assert recorder.saved == {saved.application}
    assert [f.split(" ")[0] for f in recorder.failures] == [refused.application]
