#!/usr/bin/env python3
"""Checks the CI configuration of a source tree (used by tests/ci_workflows.sh):
every .github/workflows/*.yml and the ClusterFuzzLite / OSS-Fuzz files parse as YAML; the
workflows run on the events the project needs (tests on push, ClusterFuzzLite code-change
fuzzing on pull requests, batch fuzzing, pruning and coverage on a schedule); every script a
job runs exists (and is executable); ClusterFuzzLite steps agree with project.yaml.

    check_workflows.py ROOT        exit 0 if all holds, else 1 with one line per problem
"""
import glob
import os
import re
import sys

import yaml

SCRIPT = re.compile(r"(?<![\w./-])((?:ci|tests|\.clusterfuzzlite|oss-fuzz)/[\w./-]+)")
CFLITE = "google/clusterfuzzlite/actions/"
SANITIZERS = {"address", "undefined", "memory", "coverage"}
MODES = {"code-change", "batch", "prune", "coverage"}


def load(root, rel, problems):
    try:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        problems.append("%s: %s" % (rel, str(e).splitlines()[0]))
        return None


def triggers(doc):
    # YAML 1.1 reads the key `on` as True.
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {k: None for k in on}
    return on or {}


def check_step(root, rel, job, step, language, problems, modes):
    where = "%s: job %s" % (rel, job)
    for script in SCRIPT.findall(step.get("run", "")):
        path = os.path.join(root, script)
        if not os.path.isfile(path):
            problems.append("%s runs %s, which does not exist" % (where, script))
        elif script.startswith("ci/") and not os.access(path, os.X_OK):
            problems.append("%s runs %s, which is not executable" % (where, script))
    uses = step.get("uses", "")
    if uses.startswith(CFLITE):
        args = step.get("with") or {}
        if uses.startswith(CFLITE + "build_fuzzers") and args.get("language") != language:
            problems.append("%s builds language %r, .clusterfuzzlite/project.yaml says %r"
                            % (where, args.get("language"), language))
        sanitizer = args.get("sanitizer", "address")
        if not str(sanitizer).startswith("${{") and sanitizer not in SANITIZERS:
            problems.append("%s: unknown sanitizer %r" % (where, sanitizer))
        if "mode" in args:
            if args["mode"] not in MODES:
                problems.append("%s: unknown ClusterFuzzLite mode %r" % (where, args["mode"]))
            modes.add(args["mode"])


def check_workflows(root, language, problems):
    found = {"push": False, "pull_request": set(), "schedule": set()}
    files = sorted(glob.glob(os.path.join(root, ".github/workflows/*.yml")))
    if not files:
        problems.append(".github/workflows: no workflow")
    for path in files:
        rel = os.path.relpath(path, root)
        doc = load(root, rel, problems)
        if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict) or not doc["jobs"]:
            problems.append("%s: no jobs" % rel)
            continue
        on = triggers(doc)
        modes = set()
        runs = ""
        for job, spec in doc["jobs"].items():
            steps = (spec or {}).get("steps") or []
            if not steps:
                problems.append("%s: job %s has no steps" % (rel, job))
            for step in steps:
                check_step(root, rel, job, step, language, problems, modes)
                runs += " " + step.get("run", "")
        if "push" in on and "ci/test" in runs:
            found["push"] = True
        if "pull_request" in on:
            found["pull_request"] |= modes
        if "schedule" in on:
            crons = [s.get("cron") for s in on["schedule"] or []]
            if not crons or not all(crons):
                problems.append("%s: a schedule without a cron" % rel)
            found["schedule"] |= modes | ({"ci/nightly"} if "ci/nightly" in runs else set())
    if not found["push"]:
        problems.append("no workflow runs ci/test on push")
    if "code-change" not in found["pull_request"]:
        problems.append("no workflow runs ClusterFuzzLite code-change fuzzing on pull requests")
    for need in ("batch", "prune", "coverage", "ci/nightly"):
        if need not in found["schedule"]:
            problems.append("no scheduled workflow runs %s" % need)


def check_fuzz_projects(root, problems):
    cfl = load(root, ".clusterfuzzlite/project.yaml", problems) or {}
    language = cfl.get("language")
    if language != "c":
        problems.append(".clusterfuzzlite/project.yaml: language is %r, not 'c'" % language)
    oss = load(root, "oss-fuzz/stasis/project.yaml", problems) or {}
    if oss.get("language") != language:
        problems.append("oss-fuzz/stasis/project.yaml: language differs from ClusterFuzzLite's")
    for s in oss.get("sanitizers") or []:
        if s not in SANITIZERS:
            problems.append("oss-fuzz/stasis/project.yaml: unknown sanitizer %r" % s)
    for rel in (".clusterfuzzlite/Dockerfile", "oss-fuzz/stasis/Dockerfile"):
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            problems.append("%s: missing" % rel)
            continue
        if not re.search(r"^FROM gcr\.io/oss-fuzz-base/base-builder\b", text, re.M):
            problems.append("%s: not built on OSS-Fuzz's base-builder" % rel)
    for rel in (".clusterfuzzlite/build.sh", "oss-fuzz/stasis/build.sh"):
        if not os.access(os.path.join(root, rel), os.X_OK):
            problems.append("%s: missing or not executable" % rel)
    return language


def main():
    root = sys.argv[1]
    problems = []
    language = check_fuzz_projects(root, problems)
    check_workflows(root, language, problems)
    for p in problems:
        print(p)
    print("%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
