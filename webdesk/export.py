"""A batch's review as an Excel workbook: each finding with its current mark, the whole
trail of marks, and each application's programme stage."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.cells import xlsx_append
from pipeline.checks.reuse import hide_other_applications
from pipeline.report import labels
from webdesk import vocab
from webdesk.db import Batch
from webdesk.desk import TZ, Desk

FILLS = {"error": "F8D7DA", "warning": "FFECB3", "info": "D6E4F5"}
MARK_FILLS = {"verified": "D4EDDA", "explained": "D6E4F5", "needs_documents": "FFECB3"}


def local_time(at: datetime | None) -> str:
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if at else ""


def _sheet(ws: Worksheet, columns: list[tuple[str, int]]) -> None:
    xlsx_append(ws, [name for name, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(columns)).column_letter}1"


def hidden_for_city(data: bytes) -> bytes:
    """An .xlsx as city users see it: another application's name left out of every text
    cell (summary.xlsx lists the findings of reused invoices and contracts)."""
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and "【" in cell.value:
                    cell.value = hide_other_applications(cell.value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def review_xlsx(desk: Desk, batch: Batch, hide_others: bool = False) -> bytes:
    """The batch's findings with their review marks; `hide_others` for city users (another
    application is named only to the province)."""
    wb = Workbook()
    wrap = Alignment(wrap_text=True, vertical="top")
    ws = wb.active
    assert ws is not None
    ws.title = "核查发现与审核"
    _sheet(
        ws,
        [
            ("申报单位", 34),
            ("企业名称", 28),
            ("级别", 8),
            ("项目", 16),
            ("年度", 7),
            ("说明", 60),
            ("审核结论", 10),
            ("审核意见", 40),
            ("审核人", 12),
            ("审核时间", 17),
        ],
    )
    stages = wb.create_sheet("申报阶段")
    _sheet(
        stages,
        [
            ("申报单位", 34),
            ("企业名称", 28),
            ("核查状态", 10),
            ("错误", 7),
            ("警告", 7),
            ("当前阶段", 10),
            ("阶段开始", 17),
            ("公示截止", 12),
            ("阶段记录", 70),
        ],
    )
    trail = wb.create_sheet("审核记录（全部）")
    _sheet(
        trail,
        [
            ("申报单位", 34),
            ("发现", 40),
            ("审核结论", 10),
            ("审核意见", 40),
            ("审核人", 12),
            ("角色", 14),
            ("时间", 17),
        ],
    )
    messages: dict[tuple[str, str], str] = {}
    for app in desk.apps(batch.id):
        items = desk.findings(batch, app, desk.report(batch, app))
        for item in items:
            if hide_others:
                item.message = hide_other_applications(item.message)
            messages[(app.name, item.key)] = item.message
            mark = item.current
            xlsx_append(
                ws,
                [
                    app.name,
                    app.company_name or "",
                    vocab.label("severity", item.severity),
                    "撤销名单"
                    if item.source == "desk"
                    else labels().get("finding_fields", {}).get(item.field, item.field),
                    item.year or "",
                    item.message,
                    vocab.label("review_statuses", mark.status) if mark else "未审核",
                    mark.comment if mark else "",
                    mark.user_name if mark else "",
                    local_time(mark.at) if mark else "",
                ],
            )
            row = ws.max_row
            ws.cell(row=row, column=3).fill = PatternFill(
                "solid", fgColor=FILLS.get(item.severity, "FFFFFF")
            )
            if mark:
                ws.cell(row=row, column=7).fill = PatternFill(
                    "solid", fgColor=MARK_FILLS.get(mark.status, "FFFFFF")
                )
            for col in (1, 2, 6, 8):
                ws.cell(row=row, column=col).alignment = wrap
        info = desk.stage(None, batch, app)
        xlsx_append(
            stages,
            [
                app.name,
                app.company_name or "",
                vocab.label("app_states", app.state),
                app.errors,
                app.warnings,
                vocab.label("stages", info.stage),
                local_time(info.since),
                info.publicity_end.isoformat() if info.publicity_end else "",
                "\n".join(
                    f"{local_time(e.at)} {vocab.label('stages', e.stage)}（{e.user_name}）{e.note}"
                    for e in info.history
                ),
            ],
        )
        stages.cell(row=stages.max_row, column=9).alignment = wrap
    for r in desk.reviews(batch.id):
        xlsx_append(
            trail,
            [
                r.application,
                messages.get((r.application, r.finding_key), r.finding_key),
                vocab.label("review_statuses", r.status),
                r.comment,
                r.user_name,
                vocab.label("roles", r.user_role),
                local_time(r.at),
            ],
        )
        for col in (1, 2, 4):
            trail.cell(row=trail.max_row, column=col).alignment = wrap
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
