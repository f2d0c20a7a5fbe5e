#!/usr/bin/env python3
"""Build the patchdeck SSM documents from their shell scripts.

    python3 data/ssm/build.py          rewrite the .json documents from the .sh files
    python3 data/ssm/build.py --check  exit 1 when a committed .json differs from
                                       what the .sh files give (or a script breaks a rule)
    python3 data/ssm/build.py --scripts DIR
                                       write each document's script, as the document
                                       holds it, to DIR/NAME.sh (tests/shellcheck.sh)

The scripts are the source; edit them, run this, commit both.  Each document has
one aws:runShellScript step whose runCommand is the script's lines, with the
block both scripts share (common.sh, its header comment left out) in place of
the "# patchdeck:common" line, and the SSM parameter assignments inserted after
the "# patchdeck:params" line.  Parameters are restricted by allowedPattern so
that they cannot leave the single quotes.

Rules checked: no "{{" in a script or common.sh (SSM would read it as a
parameter reference), each script has both marks, `sh -n` passes on the script
as the document holds it.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PARAMS_MARK = "# patchdeck:params"
COMMON = "common.sh"
COMMON_MARK = "# patchdeck:common"

DOCS = {
    "patchdeck-linux-patch.json": {
        "script": "linux-patch.sh",
        "step": "patch",
        "timeout": 7200,
        "description": "patchdeck: apply OS updates on Linux (yum/dnf, apt, zypper) and print one "
                       "PATCHDECK_RESULT line; when a reboot is needed exit 194 so that SSM reboots "
                       "and runs the step again, which reports the kernel then running.",
        "parameters": {
            "Exclude": {
                "type": "String",
                "default": "",
                "description": "Packages not to update, separated by spaces or commas; shell globs "
                               "allowed (yum/dnf --exclude, apt hold, zypper lock).",
                "allowedPattern": "^[A-Za-z0-9_.*+:@,/ -]{0,1000}$",
            },
            "RebootAllowed": {
                "type": "String",
                "default": "true",
                "description": "true: reboot (exit 194) when the update needs it. false: report "
                               "\"reboot\":\"required\" and leave the instance running.",
                "allowedValues": ["true", "false"],
            },
        },
        "env": [("PATCHDECK_EXCLUDE", "Exclude"), ("PATCHDECK_REBOOT_ALLOWED", "RebootAllowed")],
    },
    "patchdeck-precheck.json": {
        "script": "precheck.sh",
        "step": "precheck",
        "timeout": 600,
        "description": "patchdeck: pre-patch checks on Linux (disk space, package repository "
                       "reachability and URLs, package lock, uptime, load, pending reboot); prints "
                       "one PATCHDECK_PRECHECK line.",
        "parameters": {
            "RepoTimeoutSeconds": {
                "type": "String",
                "default": "120",
                "description": "Seconds allowed for the package metadata refresh.",
                "allowedPattern": "^[0-9]{1,4}$",
            },
        },
        "env": [("PATCHDECK_REPO_TIMEOUT", "RepoTimeoutSeconds")],
    },
    "patchdeck-fix.json": {
        "script": "fix.sh",
        "step": "fix",
        "timeout": 3600,
        "description": "patchdeck: fix what a pre-check found on Linux: disk (clean package caches, "
                       "vacuum the journal), repo (rewrite repository URLs by a map), pkg_lock "
                       "(finish or clear an interrupted package transaction; a running package "
                       "manager is stopped only with Force=true); prints one PATCHDECK_FIX line.",
        "parameters": {
            "Kind": {
                "type": "String",
                "description": "What to fix: disk, repo or pkg_lock.",
                "allowedValues": ["disk", "repo", "pkg_lock"],
            },
            "Force": {
                "type": "String",
                "default": "false",
                "description": "pkg_lock: true stops a running package manager (TERM, then KILL); "
                               "false leaves it running and reports the fix skipped.",
                "allowedValues": ["false", "true"],
            },
            "RepoMap": {
                "type": "String",
                "default": "",
                "description": "repo: URL prefixes to rewrite, \"FROM -> TO, FROM -> TO\" (the "
                               "[precheck] repo_map of the patchdeck config).",
                # No quote, backslash, backquote, brace or line break: the
                # value stays inside the single quotes of its assignment.
                "allowedPattern": "^[A-Za-z0-9_.:/~%+=@?&$!*;#,\\[\\] >-]{0,4000}$",
            },
        },
        "env": [("PATCHDECK_FIX_KIND", "Kind"), ("PATCHDECK_FIX_FORCE", "Force"),
                ("PATCHDECK_REPO_MAP", "RepoMap")],
    },
}


def read(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read()


def common_lines():
    """common.sh's lines without its leading comment block."""
    lines = read(COMMON).rstrip("\n").split("\n")
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


def script_lines(name):
    """The script of document name as it runs: common.sh in place of its mark."""
    lines = read(DOCS[name]["script"]).rstrip("\n").split("\n")
    at = [i for i, l in enumerate(lines) if l.startswith(COMMON_MARK)]
    if len(at) == 1:
        lines[at[0]:at[0] + 1] = common_lines()
    return lines


def build(name):
    spec = DOCS[name]
    lines = script_lines(name)
    at = lines.index(PARAMS_MARK + " (build.py inserts the SSM parameter assignments after this line)")
    assigns = ["%s='{{ %s }}'" % (var, param) for var, param in spec["env"]]
    lines[at + 1:at + 1] = assigns
    doc = {
        "schemaVersion": "2.2",
        "description": spec["description"],
        "parameters": spec["parameters"],
        "mainSteps": [{
            "action": "aws:runShellScript",
            "name": spec["step"],
            "precondition": {"StringEquals": ["platformType", "Linux"]},
            "inputs": {"timeoutSeconds": spec["timeout"], "runCommand": lines},
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def problems():
    out = []
    if "{{" in read(COMMON):
        out.append("%s: contains '{{' (SSM parameter syntax)" % COMMON)
    for name, spec in DOCS.items():
        text = read(spec["script"])
        if "{{" in text:
            out.append("%s: contains '{{' (SSM parameter syntax)" % spec["script"])
        if PARAMS_MARK not in text:
            out.append("%s: no '%s' line" % (spec["script"], PARAMS_MARK))
        if sum(1 for l in text.split("\n") if l.startswith(COMMON_MARK)) != 1:
            out.append("%s: not exactly one '%s' line" % (spec["script"], COMMON_MARK))
        try:
            r = subprocess.run(["sh", "-n"], input="\n".join(script_lines(name)) + "\n",
                               capture_output=True, text=True)
            if r.returncode != 0:
                out.append("%s: sh -n: %s" % (spec["script"], r.stderr.strip()))
        except OSError:
            pass
    return out


def write_scripts(outdir):
    """Each document's script as it runs (common.sh and the parameter lines
    in place), for shellcheck: the file a check sees is the one SSM runs."""
    for name in DOCS:
        doc = json.loads(build(name))
        path = os.path.join(outdir, name[:-len(".json")] + ".sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(doc["mainSteps"][0]["inputs"]["runCommand"]) + "\n")
        print(path)
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--scripts":
        return write_scripts(argv[2])
    check = "--check" in argv[1:]
    errs = problems()
    for name in DOCS:
        want = build(name)
        path = os.path.join(HERE, name)
        if check:
            try:
                have = read(name)
            except FileNotFoundError:
                have = None
            if have != want:
                errs.append("%s is out of date: run python3 data/ssm/build.py" % name)
        elif not errs:
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(want)
            os.replace(path + ".tmp", path)
            print("wrote", os.path.relpath(path))
    for e in errs:
        print("build.py: " + e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
