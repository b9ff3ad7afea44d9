"""Tests of scripts/target_sweep.py over a made-up target directory.

    python3 -m unittest discover -s scripts/tests
"""

import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import target_sweep  # noqa: E402

OLD = "0123456789abcdef"  # a unit no command of this run used
LIB = "1111111111111111"
BIN = "2222222222222222"
BIN_DEV = "3333333333333333"  # the same binary built with dev features
SCRIPT = "4444444444444444"  # a build script's compile unit
SCRIPT_RUN = "5555555555555555"  # and its run (OUT_DIR)


def touch(path, size=10):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def artifact(filenames, executable=None):
    return json.dumps(
        {"reason": "compiler-artifact", "filenames": filenames, "executable": executable}
    )


class Layout:
    """A debug profile with this run's units and stale ones."""

    def __init__(self, root):
        self.target = Path(root)
        self.debug = self.target / "debug"
        d = self.debug
        for h in (LIB, OLD):
            touch(d / "deps" / f"libfoo-{h}.rlib")
            touch(d / "deps" / f"libfoo-{h}.rmeta")
            touch(d / "deps" / f"foo-{h}.d")
            touch(d / ".fingerprint" / f"foo-{h}" / "lib-foo")
        for h in (BIN, BIN_DEV):
            touch(d / "deps" / f"tool-{h}")
            touch(d / ".fingerprint" / f"tool-{h}" / "bin-tool")
        touch(d / "build" / f"ring-{SCRIPT}" / "build-script-build")
        touch(d / "build" / f"ring-{SCRIPT_RUN}" / "out" / "libring.a")
        touch(d / "build" / f"ring-{OLD}" / "out" / "libring.a")
        touch(d / "deps" / "rustcAbC123" / "symbols.o")  # a killed link's leftovers
        touch(self.target / "release" / "deps" / f"libfoo-{LIB}.rlib", 1000)

    def uplift(self, h):
        """`debug/tool` becomes a hard link of `deps/tool-<h>`, as cargo leaves it."""
        up = self.debug / "tool"
        if up.exists():
            up.unlink()
        os.link(self.debug / "deps" / f"tool-{h}", up)

    def messages(self, name, lines):
        path = self.target / f"{name}.jsonl"
        path.write_text("\n".join(lines) + "\nnot json\n{broken\n")
        return str(path)


class SweepTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.t = Layout(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def run_build(self):
        """Two commands uplifting two builds of `tool` in turn, each recorded at once."""
        t, d = self.t, self.t.debug
        t.uplift(BIN)
        bins = t.messages(
            "bins",
            [
                artifact([str(d / "deps" / f"libfoo-{LIB}.rlib")]),
                artifact([str(d / "tool")], str(d / "tool")),
                artifact([str(d / "build" / f"ring-{SCRIPT}" / "build-script-build")]),
                json.dumps(
                    {
                        "reason": "build-script-executed",
                        "out_dir": str(d / "build" / f"ring-{SCRIPT_RUN}" / "out"),
                    }
                ),
            ],
        )
        target_sweep.main(["x", "record", str(t.target), "debug", bins])
        t.uplift(BIN_DEV)
        tests = t.messages("tests", [artifact([str(d / "tool")], str(d / "tool"))])
        target_sweep.main(["x", "record", str(t.target), "debug", tests])
        return [bins + ".keep", tests + ".keep"]

    def test_sweep_keeps_what_the_run_used_and_removes_the_rest(self):
        keep = self.run_build()
        target_sweep.main(["x", "sweep", str(self.t.target), "debug", *keep])
        d = self.t.debug
        for kept in [
            d / "deps" / f"libfoo-{LIB}.rlib",
            d / "deps" / f"foo-{LIB}.d",
            d / ".fingerprint" / f"foo-{LIB}",
            d / "deps" / f"tool-{BIN}",
            d / "deps" / f"tool-{BIN_DEV}",
            d / ".fingerprint" / f"tool-{BIN}",
            d / "build" / f"ring-{SCRIPT}",
            d / "build" / f"ring-{SCRIPT_RUN}",
            d / "tool",
            self.t.target / "release" / "deps" / f"libfoo-{LIB}.rlib",
        ]:
            self.assertTrue(kept.exists(), f"removed {kept}")
        for gone in [
            d / "deps" / f"libfoo-{OLD}.rlib",
            d / "deps" / f"foo-{OLD}.d",
            d / ".fingerprint" / f"foo-{OLD}",
            d / "build" / f"ring-{OLD}",
            d / "deps" / "rustcAbC123",
        ]:
            self.assertFalse(gone.exists(), f"kept {gone}")
        saved = json.loads((d / target_sweep.KEEP_FILE).read_text())
        self.assertEqual(set(saved), {LIB, BIN, BIN_DEV, SCRIPT, SCRIPT_RUN})

    def test_incremental_caches_go_only_when_asked(self):
        keep = self.run_build()
        cache = self.t.debug / "incremental" / "trailguard-2k3j4h5g6f7d8" / "s-abc"
        touch(cache / "query-cache.bin")
        target_sweep.main(["x", "sweep", str(self.t.target), "debug", *keep])
        self.assertTrue(cache.exists())
        target_sweep.main(["x", "sweep", str(self.t.target), "debug", "--drop-incremental", *keep])
        self.assertFalse((self.t.debug / "incremental").exists())

    def test_a_missing_record_removes_nothing(self):
        self.run_build()
        target_sweep.main(["x", "sweep", str(self.t.target), "debug", "/nonexistent.keep"])
        self.assertTrue((self.t.debug / "deps" / f"libfoo-{OLD}.rlib").exists())

    def test_preflight_with_room_to_spare_removes_nothing(self):
        target_sweep.main(["x", "preflight", str(self.t.target), "debug", "0"])
        self.assertTrue((self.t.debug / "deps" / f"libfoo-{OLD}.rlib").exists())
        self.assertTrue((self.t.target / "release").exists())

    def test_preflight_short_of_space_removes_stale_then_the_rest(self):
        keep = self.run_build()
        target_sweep.main(["x", "sweep", str(self.t.target), "debug", *keep])
        touch(self.t.debug / "deps" / f"libfoo-{OLD}.rlib")  # stale again
        # More free space than any disk has: every stage runs, in order.
        target_sweep.main(["x", "preflight", str(self.t.target), "debug", "1000000000"])
        self.assertFalse((self.t.target / "release").exists())
        self.assertFalse(self.t.debug.exists())

    def test_hashes_are_read_from_every_path_component(self):
        self.assertEqual(
            target_sweep.hashes_in_path(f"/t/debug/build/ring-{SCRIPT_RUN}/out"), {SCRIPT_RUN}
        )
        self.assertEqual(target_sweep.hash_of(f"libfoo-{LIB}.rlib"), LIB)
        self.assertIsNone(target_sweep.hash_of("trailguard"))
        self.assertIsNone(target_sweep.hash_of("libfoo-xyz.rlib"))


if __name__ == "__main__":
    unittest.main()
