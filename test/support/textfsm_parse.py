"""Parses with Google TextFSM (the Python reference) for test/textfsm-python.test.ts.

stdin: JSON list of {"template": str, "text": str}; stdout: JSON list of
{"header": [...], "rows": [...]} or {"error": "TextFSMError" | "TextFSMTemplateError", "message": str}.
"""
import io
import json
import sys

import textfsm

results = []
for case in json.load(sys.stdin):
    try:
        fsm = textfsm.TextFSM(io.StringIO(case["template"]))
    except textfsm.TextFSMTemplateError as err:
        results.append({"error": "TextFSMTemplateError", "message": str(err)})
        continue
    try:
        rows = fsm.ParseText(case["text"])
    except textfsm.TextFSMError as err:
        results.append({"error": "TextFSMError", "message": str(err)})
        continue
    results.append({"header": fsm.header, "rows": rows})
json.dump(results, sys.stdout)
