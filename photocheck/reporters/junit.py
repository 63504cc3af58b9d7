"""JUnit XML for CI systems that show test reports: a suite per set, a test case per photo and one for the set.

A photo whose action is not keep fails (type = its action: remove / replace, with the reasons); so do
error and warning findings (type = severity). Info findings go to system-out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..model import Finding, Report, Severity
from .common import visible_report


def _case(
    suite: ET.Element,
    name: str,
    classname: str,
    findings: tuple[Finding, ...] | list[Finding],
    action: str = "keep",
    reasons: tuple[str, ...] = (),
) -> int:
    case = ET.SubElement(suite, "testcase", name=name, classname=classname)
    failing = [f for f in findings if f.severity is not Severity.INFO]
    if failing or action != "keep":
        worst = max(failing, key=lambda f: f.severity.rank).severity.value if failing else "warning"
        head = f"{action}: {', '.join(reasons)}" if action != "keep" else ""
        message = "; ".join([head] * bool(head) + [f"{f.code} {f.name}" for f in failing])
        failure = ET.SubElement(case, "failure", type=action if action != "keep" else worst, message=message)
        failure.text = "\n".join(
            [head] * bool(head) + [f"{f.code} {f.severity.value} {f.name}: {f.message} — {f.fix}" for f in failing]
        )
    info = [f for f in findings if f.severity is Severity.INFO]
    if info:
        ET.SubElement(case, "system-out").text = "\n".join(f"{f.code} {f.name}: {f.message}" for f in info)
    return 1 if failing else 0


def render_junit(report: Report, **_: Any) -> str:
    report = visible_report(report)  # names may hold terminal escapes or XML-invalid characters
    root = ET.Element("testsuites", name="photocheck", tests="0", failures="0")
    total = failed = 0
    for s in report.sets:
        suite = ET.SubElement(root, "testsuite", name=s.path)
        fails = _case(suite, "set checks", s.path, s.findings)
        for img in s.images:
            # set findings that name this photo (ID01, DS02) belong to its test case too
            named = [f for f in s.findings if img.path in f.paths]
            fails += _case(suite, img.path, s.path, list(img.findings) + named, img.action, img.reasons)
        tests = len(s.images) + 1
        suite.set("tests", str(tests))
        suite.set("failures", str(fails))
        suite.set("errors", "0")
        ET.SubElement(suite, "properties")
        prop = suite.find("properties")
        assert prop is not None
        ET.SubElement(prop, "property", name="score", value=f"{s.score:.1f}")
        ET.SubElement(prop, "property", name="verdict", value=s.verdict)
        ET.SubElement(prop, "property", name="usable", value=str(len(s.usable_images)))
        total += tests
        failed += fails
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
