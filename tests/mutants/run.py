#!/usr/bin/env python3
"""Mutation check of the test suite: applies each one-line mutation of
tests/mutants/mutants.txt to a scratch copy of the tree, builds it, runs the
tests the entry names, and reports whether they caught it (KILLED) or not
(SURVIVED). The real tree is only read. See tests/mutants/README.md.

Exit status: 0 when every mutant selected was killed, 1 when one survived or
did not build, 2 on a usage, list or baseline error.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ("file", "find", "replace", "tests", "why")


class ListError(Exception):
    pass


def unescape(text):
    """`\\n` in a find or replace value stands for a line break (a mutant
    that must name a neighbouring line to be unique), `\\\\` for a backslash."""
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "n\\":
            out.append("\n" if text[i + 1] == "n" else "\\")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse_list(path):
    """The mutants of `path`: [id] headers, each followed by `key: value`
    lines; blank lines and lines starting with # are ignored."""
    mutants = []
    current = None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            header = re.fullmatch(r"\[([A-Za-z0-9_.-]+)\]", line.strip())
            if header:
                current = {"id": header.group(1), "line": number}
                mutants.append(current)
                continue
            field = re.fullmatch(r"([a-z]+):(?: (.*))?", line)
            if not field or current is None or field.group(1) not in FIELDS:
                raise ListError(f"{path}:{number}: expected [id] or one of "
                                f"{', '.join(FIELDS)}: {line!r}")
            if field.group(1) in current:
                raise ListError(f"{path}:{number}: {field.group(1)} given twice")
            current[field.group(1)] = field.group(2) or ""
    ids = set()
    for m in mutants:
        missing = [k for k in ("file", "find", "replace", "tests") if k not in m]
        if missing:
            raise ListError(f"{path}:{m['line']}: [{m['id']}] lacks {', '.join(missing)}")
        if m["id"] in ids:
            raise ListError(f"{path}:{m['line']}: [{m['id']}] is listed twice")
        ids.add(m["id"])
        m["find"] = unescape(m["find"])
        m["replace"] = unescape(m["replace"])
        if m["find"] == m["replace"] or not m["find"]:
            raise ListError(f"{path}:{m['line']}: [{m['id']}] changes nothing")
    return mutants


def log(message):
    print(message, flush=True)


def run(command, cwd=None, quiet=False, timeout=None):
    """Runs `command` niced; its output is returned (and shown unless quiet)."""
    result = subprocess.run(["nice"] + command, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if not quiet:
        sys.stdout.write(result.stdout)
    return result


def source_files(root):
    """The files of the tree as git sees them: tracked and new ones, not the
    ignored (build directories)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=root, check=True,
                            stdout=subprocess.PIPE).stdout.decode()
    return sorted(p for p in listed.split("\0") if p and os.path.isfile(os.path.join(root, p)))


def sync_tree(root, copy):
    """Makes `copy` hold exactly the files of the tree at `root`; a file
    whose bytes did not change keeps its time stamp, so builds stay
    incremental across runs."""
    wanted = set(source_files(root))
    for path in wanted:
        src = os.path.join(root, path)
        dst = os.path.join(copy, path)
        with open(src, "rb") as f:
            data = f.read()
        try:
            with open(dst, "rb") as f:
                same = f.read() == data
        except OSError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(data)
        shutil.copymode(src, dst)
    for dirpath, _, filenames in os.walk(copy):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), copy)
            if rel not in wanted:
                os.remove(os.path.join(dirpath, name))


def check_patterns(mutants, copy):
    """Every `find` occurs exactly once in its file; else the list is wrong."""
    problems = []
    for m in mutants:
        path = os.path.join(copy, m["file"])
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as error:
            problems.append(f"[{m['id']}] {m['file']}: {error.strerror}")
            continue
        count = text.count(m["find"])
        if count != 1:
            problems.append(f"[{m['id']}] {m['file']}: the pattern occurs {count} times, "
                            f"not once: {m['find']!r}")
    if problems:
        raise ListError("patterns that do not match exactly once:\n  " + "\n  ".join(problems))


def tests_of(build, regex=None):
    """The tests `regex` selects (ctest -R; every test without one) and the
    targets that build them."""
    command = ["ctest", "--test-dir", build, "-N", "--show-only=json-v1"]
    if regex is not None:
        command += ["-R", regex]
    result = run(command, quiet=True)
    # CMake's regex compiler complains on stderr and then selects nothing.
    if result.returncode != 0 or "RegularExpression" in result.stdout:
        raise ListError(f"ctest -N -R {regex!r} failed:\n{result.stdout}")
    data = json.loads(result.stdout[result.stdout.index("{"):])
    names = []
    targets = set()
    for test in data.get("tests", []):
        names.append(test["name"])
        command = test.get("command") or []
        # A test program the build makes is a target of the same name
        # (gtest_discover_tests); scripts from the source tree are not.
        if command and os.path.commonpath([os.path.abspath(command[0]), build]) == build:
            targets.add(os.path.basename(command[0]))
    return names, targets


def build(build_dir, targets, jobs):
    command = ["cmake", "--build", build_dir, "-j", str(jobs), "--target"] + sorted(targets)
    return run(command, quiet=True)


def build_programs(build_dir, programs, jobs):
    """Builds the test `programs`; False (the build's output printed) when
    that fails."""
    log("building " + ", ".join(sorted(programs)))
    result = build(build_dir, programs, jobs)
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        return False
    return True


def run_tests(build_dir, selection, jobs, timeout):
    """ctest on `selection` (["-R", regex] or ["-I", list]): (passed, names
    of the failed tests, output)."""
    result = run(["ctest", "--test-dir", build_dir] + selection +
                 ["-j", str(jobs), "--no-tests=error", "--timeout", str(timeout),
                  "--output-on-failure"], quiet=True)
    # "The following tests FAILED:" then "\t 12 - NAME (Failed)"; the name of
    # a parametrized test goes on with "  # GetParam() = ...".
    failed = [re.sub(r"\s+#.*", "", name) for name in
              re.findall(r"^\s*\d+ - (.+) \([A-Za-z ]+\)\s*$", result.stdout, re.MULTILINE)]
    return result.returncode == 0, failed, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", default=os.path.join(HERE, "mutants.txt"),
                        help="the mutants file (default: %(default)s)")
    parser.add_argument("--only", action="append", default=[],
                        help="run only mutants whose id matches this regex (repeatable)")
    parser.add_argument("--scratch",
                        default=os.path.join(tempfile.gettempdir(), "httpgate-mutants"),
                        help="scratch copy and build directory, kept between runs for "
                        "incremental builds (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="build and test jobs (default: 2)")
    parser.add_argument("--timeout", type=int, default=300,
                        help="seconds per test before ctest gives up (default: 300)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip running the named tests on the unmutated copy first")
    parser.add_argument("--check", action="store_true",
                        help="only check that every pattern matches exactly once")
    args = parser.parse_args()

    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=HERE, check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()
    scratch = os.path.abspath(args.scratch)
    if os.path.commonpath([scratch, root]) == root:
        print(f"the scratch directory {scratch} is inside the tree {root}", file=sys.stderr)
        return 2
    copy = os.path.join(scratch, "src")
    build_dir = os.path.join(scratch, "build")
    try:
        mutants = parse_list(args.list)
        if args.only:
            mutants = [m for m in mutants if any(re.search(o, m["id"]) for o in args.only)]
        if not mutants:
            raise ListError("no mutant selected")
        os.makedirs(copy, exist_ok=True)
        log(f"copying {root} to {copy}")
        sync_tree(root, copy)
        check_patterns(mutants, copy)
    except ListError as error:
        print(error, file=sys.stderr)
        return 2
    if args.check:
        log(f"{len(mutants)} mutants, every pattern matches once")
        return 0

    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        result = run(["cmake", "-S", copy, "-B", build_dir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                      "-DHTTPGATE_WERROR=ON"], quiet=True)
        if result.returncode != 0:
            print(result.stdout, file=sys.stderr)
            return 2
    log("building the unmutated copy")
    result = build(build_dir, {"httpgate", "integration_tests"}, args.jobs)
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        return 2
    try:
        # ctest lists a test program not built yet as one test named
        # PROGRAM_NOT_BUILT, which a mutant's regex cannot select by its
        # tests' names: build every such program, then ask again.
        missing = {re.sub(r"_NOT_BUILT.*", "", name)
                   for name in tests_of(build_dir)[0] if "_NOT_BUILT" in name}
        if missing and not build_programs(build_dir, missing, args.jobs):
            return 2
        # A test program built before its newest tests were written lists
        # only its older ones: when a regex selects nothing, build every
        # test program once and ask again.
        rebuilt = False
        for m in mutants:
            m["names"], m["targets"] = tests_of(build_dir, m["tests"])
            if not m["names"] and not rebuilt:
                if not build_programs(build_dir, tests_of(build_dir)[1], args.jobs):
                    return 2
                rebuilt = True
                m["names"], m["targets"] = tests_of(build_dir, m["tests"])
            if not m["names"]:
                raise ListError(f"[{m['id']}] tests {m['tests']!r} select no test")
            m["targets"] |= {"httpgate"}
    except ListError as error:
        print(error, file=sys.stderr)
        return 2

    if not args.no_baseline:
        log("baseline: the named tests on the unmutated copy")
        # ctest -I START,END,STRIDE,N,N,...: the tests numbered N (from 1, in
        # the order ctest -N lists them).
        numbers = {name: i for i, name in enumerate(tests_of(build_dir)[0], 1)}
        wanted = sorted({numbers[name] for m in mutants for name in m["names"]})
        selection = ["-I", "0,0,0," + ",".join(str(n) for n in wanted)]
        passed, failed, output = run_tests(build_dir, selection, args.jobs, args.timeout)
        if not passed:
            print(output, file=sys.stderr)
            print("baseline failed (" + ", ".join(failed) + "): a mutant these tests "
                  "\"kill\" would prove nothing", file=sys.stderr)
            return 2

    # A signal must not leave a mutated file behind in the copy.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    results = []
    for number, m in enumerate(mutants, 1):
        path = os.path.join(copy, m["file"])
        with open(path, encoding="utf-8") as f:
            original = f.read()
        started = time.monotonic()
        log(f"[{number}/{len(mutants)}] {m['id']}: {m['file']}")
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m["find"], m["replace"], 1))
            built = build(build_dir, m["targets"], args.jobs)
            if built.returncode != 0:
                verdict, detail = "BUILD-FAILED", built.stdout[-2000:]
            else:
                passed, failed, output = run_tests(build_dir, ["-R", m["tests"]], args.jobs,
                                                   args.timeout)
                if passed:
                    verdict, detail = "SURVIVED", ", ".join(m["names"])
                else:
                    verdict, detail = "KILLED", "by " + ", ".join(failed or ["ctest"])
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        seconds = time.monotonic() - started
        log(f"  {verdict} ({seconds:.0f} s) {detail}")
        results.append((m, verdict))

    killed = sum(1 for _, verdict in results if verdict == "KILLED")
    log("")
    log("summary:")
    for m, verdict in results:
        log(f"  {verdict:12} {m['id']}")
    log(f"{killed}/{len(results)} mutants killed")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
