#!/usr/bin/python3
"""Generates docs/conformance.md from sctp-drill's results, so the report never drifts.

    report.py --drill build/bin/sctp-drill --root . --write   # regenerate docs/conformance.md
    report.py --drill build/bin/sctp-drill --root . --check   # fail if docs/conformance.md is stale

Inputs:
  tests/conformance/report_intro.md          prose placed before the tables
  tests/conformance/etsi/purposes.tsv        the 121 ETSI TS 102 369 purposes (id, group, title)
  tests/conformance/etsi/not-applicable.tsv  id <TAB> why the purpose cannot apply to this stack
  tests/conformance/*/*.pkt                  the scripts; their `// Note:` and `// RFC 9260:` lines
  tests/conformance/*/*.exfail               expected failures, with the reason
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile


def read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append(line.split("\t"))
    return rows


def script_meta(path):
    """Title (first comment line), notes and RFC 9260 remarks of a script."""
    title, notes, rfc = "", [], []
    with open(path) as f:
        for i, line in enumerate(f):
            s = line.strip()
            if not s.startswith("//"):
                if s and not s.startswith("--"):
                    break
                continue
            body = s[2:].strip()
            if i == 0 and ":" in body:
                title = body.split(":", 1)[1].strip()
            m = re.match(r"Note:\s*(.*)", body)
            if m:
                notes.append(m.group(1))
            m = re.match(r"RFC 9260:\s*(.*)", body)
            if m:
                rfc.append(m.group(1))
    return title, notes, rfc


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def run_drill(drill, scripts):
    with tempfile.NamedTemporaryFile("r", suffix=".tsv") as rep:
        proc = subprocess.run([drill, "--seeds", "3", "--report", rep.name] + scripts,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode not in (0, 1):
            sys.stderr.write(proc.stdout)
            sys.exit("report.py: sctp-drill failed to run (exit %d)" % proc.returncode)
        results = {}
        for row in read_tsv(rep.name):
            name, status, line, message = (row + ["", "", "", ""])[:4]
            results[name] = (status, line, message)
        return results, proc.stdout


STATUS_TEXT = {"pass": "pass", "xpass": "pass", "fail": "**FAIL**", "xfail": "expected fail", "error": "**ERROR**"}


def generate(root, drill):
    conf = os.path.join(root, "tests", "conformance")
    scripts = sorted(glob.glob(os.path.join(conf, "*", "*.pkt")))
    results, _ = run_drill(drill, scripts)
    purposes = read_tsv(os.path.join(conf, "etsi", "purposes.tsv"))
    na = {r[0]: (r[1] if len(r) > 1 else "") for r in read_tsv(os.path.join(conf, "etsi", "not-applicable.tsv"))}
    by_name = {os.path.splitext(os.path.basename(p))[0]: p for p in scripts}

    out = []
    with open(os.path.join(conf, "report_intro.md")) as f:
        out.append(f.read().rstrip("\n"))
    out.append("")

    # ETSI summary.
    counts = {"pass": 0, "fail": 0, "xfail": 0, "na": 0, "missing": 0}
    rows = []
    for pid, group, title in purposes:
        notes = []
        if pid in by_name:
            _, n, rfc = script_meta(by_name[pid])
            notes = n + ["Follows RFC 9260 where the ETSI text (RFC 4960) differs: " + r for r in rfc]
            status, line, message = results.get(pid, ("error", "", "no result"))
            if status in ("pass", "xpass"):
                counts["pass"] += 1
            elif status == "xfail":
                counts["xfail"] += 1
                notes.append("Expected failure: " + message)
            else:
                counts["fail"] += 1
                notes.append("Line %s: %s" % (line, message))
            verdict = STATUS_TEXT.get(status, status)
            link = "[%s](../tests/conformance/etsi/%s.pkt)" % (pid, pid)
        elif pid in na:
            counts["na"] += 1
            verdict = "not applicable"
            notes = [na[pid]]
            link = pid
        else:
            counts["missing"] += 1
            verdict = "not covered"
            link = pid
        rows.append("| %s | %s | %s | %s |" % (link, cell(title), verdict, cell(" ".join(notes))))

    out.append("## ETSI TS 102 369 test purposes")
    out.append("")
    out.append("%d purposes: **%d pass**, %d fail, %d expected failures, %d not applicable, %d not covered." %
               (len(purposes), counts["pass"], counts["fail"], counts["xfail"], counts["na"], counts["missing"]))
    out.append("")
    out.append("| purpose | title | result | notes |")
    out.append("|---|---|---|---|")
    out.extend(rows)
    out.append("")

    # Our own RFC 9260 scripts.
    own = [p for p in scripts if os.path.basename(os.path.dirname(p)) != "etsi"]
    out.append("## Scripts of our own (RFC 9260 behaviours the ETSI list does not reach)")
    out.append("")
    npass = sum(1 for p in own if results.get(os.path.splitext(os.path.basename(p))[0], ("",))[0] in ("pass", "xpass"))
    out.append("%d scripts, %d pass." % (len(own), npass))
    out.append("")
    out.append("| script | what it checks | result | notes |")
    out.append("|---|---|---|---|")
    for p in own:
        name = os.path.splitext(os.path.basename(p))[0]
        title, notes, rfc = script_meta(p)
        status, line, message = results.get(name, ("error", "", "no result"))
        if status not in ("pass", "xpass"):
            notes = notes + ["Line %s: %s" % (line, message)]
        rel = os.path.relpath(p, root)
        out.append("| [%s](../%s) | %s | %s | %s |" % (name, rel, cell(title), STATUS_TEXT.get(status, status),
                                                     cell(" ".join(notes + rfc))))
    out.append("")
    out.append("*Generated by `tests/conformance/report.py` from `sctp-drill --seeds 3` results; do not edit by hand.*")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drill", required=True, help="path to sctp-drill")
    ap.add_argument("--root", required=True, help="the repository root")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write docs/conformance.md")
    mode.add_argument("--check", action="store_true", help="fail if docs/conformance.md differs")
    a = ap.parse_args()
    text = generate(a.root, a.drill)
    doc = os.path.join(a.root, "docs", "conformance.md")
    if a.write:
        with open(doc, "w") as f:
            f.write(text)
        print("wrote", doc)
        return 0
    old = open(doc).read() if os.path.exists(doc) else ""
    if old != text:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True), "docs/conformance.md",
                                                   "generated"))
        print("docs/conformance.md is stale: run tests/conformance/report.py --drill BUILD/bin/sctp-drill --root . --write")
        return 1
    print("docs/conformance.md is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
