"""Prints a workbook as openpyxl reads it (JSON): per sheet the print setup,
panes, filter and every non-empty cell with its type and quotePrefix."""
import json
import sys

import openpyxl


def sheet_info(ws):
    cells = []
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            value = c.value
            if not isinstance(value, (str, int, float, bool)):
                value = str(value)
            cells.append({
                "ref": c.coordinate,
                "type": c.data_type,
                "value": value,
                "quotePrefix": bool(c.quotePrefix),
                "numberFormat": c.number_format,
            })
    setup = ws.page_setup
    props = ws.sheet_properties.pageSetUpPr
    footer = ws.oddFooter
    parts = [footer.left.text, footer.center.text, footer.right.text]
    return {
        "name": ws.title,
        "freezePanes": ws.freeze_panes,
        "printTitleRows": ws.print_title_rows,
        "orientation": setup.orientation,
        "paperSize": None if setup.paperSize is None else str(setup.paperSize),
        "fitToPage": bool(props is not None and props.fitToPage),
        "fitToWidth": None if setup.fitToWidth is None else int(setup.fitToWidth),
        "fitToHeight": None if setup.fitToHeight is None else int(setup.fitToHeight),
        "footer": "|".join(p or "" for p in parts),
        "autoFilter": ws.auto_filter.ref,
        "rowBreaks": [b.id for b in ws.row_breaks.brk],
        "columnWidths": {k: d.width for k, d in ws.column_dimensions.items()},
        "cells": cells,
    }


workbook = openpyxl.load_workbook(sys.argv[1])
print(json.dumps([sheet_info(ws) for ws in workbook.worksheets]))
