#!/usr/bin/env python3
"""Keeps scripts/test.sh's persistent cargo target directory from filling the disk.

The target directory outlives the clone so that CI does not rebuild the AWS SDK
on every run; without care it also keeps every artifact ever built: each
dependency bump or profile change leaves a full set of stale rlibs and test
binaries behind. Three subcommands:

  record TARGET PROFILE MESSAGES
      Run right after each cargo command with its `--message-format=json`
      output in MESSAGES: writes MESSAGES.keep, the cargo hashes of every unit
      that command built or reused. It must run at once because a binary's
      message names only its uplifted copy (`debug/trailguard`), a hard link
      of `deps/trailguard-<hash>` until a later command uplifts another
      build of the same binary over it (`cargo test` does, with dev features).

  sweep TARGET PROFILE [--drop-incremental] KEEP...
      KEEP are the `.keep` files of every cargo command of this run (clippy,
      build, test --no-run). Every entry of
      TARGET/PROFILE/{deps,build,.fingerprint,examples} whose hash is in none
      of them is removed; the kept hashes are written to
      TARGET/PROFILE/.trailguard-keep.json for `preflight`. With
      --drop-incremental (the run did not use incremental compilation and the
      target directory is the script's own), TARGET/PROFILE/incremental goes too.

  preflight TARGET PROFILE MIN_FREE_GIB
      Prints the free space and the target's size. When less than
      MIN_FREE_GIB is free it frees space, in order, until enough is free:
      artifacts not in the last run's keep list, then the profiles and
      caches this script does not use (release/, lambda/, incremental/), then
      the whole PROFILE directory (a clean build, announced). Never fails:
      a build that still lacks space fails itself, and the summary says why.

Removing an artifact cargo still needs is safe: cargo sees the output missing
and rebuilds that unit. Only time is at stake, never correctness.
"""

import json
import os
import re
import shutil
import sys
from pathlib import Path

HASHED = re.compile(r"^(?P<stem>.+)-(?P<hash>[0-9a-f]{16})(?:\..*)?$")
RUSTC_TEMP = re.compile(r"^rustc[0-9A-Za-z]{6}$")
SWEPT_DIRS = ("deps", "build", ".fingerprint", "examples")
KEEP_FILE = ".trailguard-keep.json"
GIB = 1 << 30


def hash_of(name):
    match = HASHED.match(name)
    return match.group("hash") if match else None


def hashes_in_path(path):
    """The cargo hashes named by an artifact path (`build/foo-<h>/out`, `deps/libfoo-<h>.rlib`)."""
    return {h for h in (hash_of(part) for part in Path(path).parts) if h}


def read_messages(paths):
    """Artifact paths named by cargo's JSON messages; unreadable lines are reported and skipped."""
    artifacts = set()
    for path in paths:
        try:
            lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as err:
            print(f"target_sweep: cannot read {path}: {err}", file=sys.stderr)
            continue
        for number, line in enumerate(lines, 1):
            if not line.startswith("{"):
                continue
            try:
                message = json.loads(line)
            except json.JSONDecodeError as err:
                print(f"target_sweep: {path}:{number}: not JSON ({err})", file=sys.stderr)
                continue
            reason = message.get("reason")
            if reason == "compiler-artifact":
                artifacts.update(message.get("filenames") or [])
                if message.get("executable"):
                    artifacts.add(message["executable"])
            elif reason == "build-script-executed" and message.get("out_dir"):
                artifacts.add(message["out_dir"])
    return artifacts


def inodes_of(paths):
    inodes = set()
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        inodes.add((stat.st_dev, stat.st_ino))
    return inodes


def keep_hashes(profile_dir, artifacts):
    """Hashes to keep: those in the artifact paths, plus those of the hashed
    files that uplifted binaries (`debug/trailguard` -> `deps/trailguard-<h>`)
    are hard links of."""
    keep = set()
    for path in artifacts:
        keep |= hashes_in_path(path)
    uplifted = inodes_of(p for p in artifacts if not hashes_in_path(p))
    for sub in ("deps", "examples"):
        for entry in scandir(profile_dir / sub):
            h = hash_of(entry.name)
            if h and h not in keep and entry.is_file(follow_symlinks=False):
                stat = entry.stat(follow_symlinks=False)
                if (stat.st_dev, stat.st_ino) in uplifted:
                    keep.add(h)
    return keep


def scandir(path):
    try:
        return list(os.scandir(path))
    except OSError:
        return []


def size_of(path):
    path = Path(path)
    if path.is_symlink() or path.is_file():
        try:
            return path.lstat().st_size
        except OSError:
            return 0
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def remove(path):
    """Removes a file or directory; returns the bytes freed."""
    freed = size_of(path)
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as err:
        print(f"target_sweep: cannot remove {path}: {err}", file=sys.stderr)
        return 0
    return freed


def sweep_stale(profile_dir, keep):
    """Removes hashed entries not in `keep`, and rustc's leftover temp dirs."""
    removed = freed = 0
    for sub in SWEPT_DIRS:
        for entry in scandir(profile_dir / sub):
            h = hash_of(entry.name)
            stale = (h is not None and h not in keep) or (
                sub == "deps" and RUSTC_TEMP.match(entry.name)
            )
            if stale:
                freed += remove(entry.path)
                removed += 1
    return removed, freed


def gib(n):
    return f"{n / GIB:.1f} GiB"


def cmd_record(target, profile, messages):
    artifacts = read_messages([messages])
    keep = keep_hashes(Path(target) / profile, artifacts)
    Path(messages + ".keep").write_text(json.dumps(sorted(keep)) + "\n")
    return 0


def read_keep(paths):
    """The union of the kept hashes; None when a file is missing or unreadable."""
    keep = set()
    for path in paths:
        try:
            keep |= set(json.loads(Path(path).read_text()))
        except (OSError, ValueError) as err:
            print(f"target_sweep: {path}: {err}; nothing removed", file=sys.stderr)
            return None
    return keep


def cmd_sweep(target, profile, keep_files):
    profile_dir = Path(target) / profile
    drop_incremental = "--drop-incremental" in keep_files
    keep = read_keep([f for f in keep_files if f != "--drop-incremental"])
    if not keep:
        print("target_sweep: no build units recorded; nothing removed", file=sys.stderr)
        return 0
    removed, freed = sweep_stale(profile_dir, keep)
    incremental = profile_dir / "incremental"
    if drop_incremental and incremental.exists():
        freed += remove(incremental)
        removed += 1
    (profile_dir / KEEP_FILE).write_text(json.dumps(sorted(keep)) + "\n")
    print(
        f"target_sweep: kept {len(keep)} build units; removed {removed} stale entries "
        f"({gib(freed)}); {profile_dir} is now {gib(size_of(profile_dir))}"
    )
    return 0


def free_bytes(target):
    return shutil.disk_usage(target).free


def last_keep(profile_dir):
    try:
        return set(json.loads((profile_dir / KEEP_FILE).read_text()))
    except (OSError, ValueError):
        return None


def cmd_preflight(target, profile, min_free_gib):
    target = Path(target)
    profile_dir = target / profile
    need = float(min_free_gib) * GIB
    free = free_bytes(target)
    print(f"target_sweep: {gib(free)} free on the disk of {target} ({gib(size_of(target))} used by it)")
    if free >= need:
        return 0
    print(f"target_sweep: less than {min_free_gib} GiB free: removing stale build output")
    keep = last_keep(profile_dir)
    if keep is not None:
        removed, freed = sweep_stale(profile_dir, keep)
        print(f"target_sweep: removed {removed} entries not used by the last run ({gib(freed)})")
    others = [target / "release", target / "lambda", profile_dir / "incremental"]
    for path in others:
        if free_bytes(target) >= need:
            return 0
        if path.exists():
            print(f"target_sweep: removing {path} ({gib(remove(path))})")
    if free_bytes(target) < need and profile_dir.exists():
        print(f"target_sweep: removing all of {profile_dir}: this run builds from scratch")
        print(f"target_sweep: freed {gib(remove(profile_dir))}")
    free = free_bytes(target)
    if free < need:
        print(
            f"target_sweep: WARNING: only {gib(free)} free after cleaning; the build may run out of space",
            file=sys.stderr,
        )
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "record":
        return cmd_record(argv[2], argv[3], argv[4])
    if len(argv) >= 4 and argv[1] == "sweep":
        return cmd_sweep(argv[2], argv[3], argv[4:])
    if len(argv) == 5 and argv[1] == "preflight":
        return cmd_preflight(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
