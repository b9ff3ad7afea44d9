"""Reading the module's HCL (bc-python-hcl2, the parser checkov uses) and running
terraform on a scratch copy of it."""

import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import hcl2

PLUGIN_DIRS = [os.environ.get("TRAILGUARD_TF_PLUGIN_DIR", ""), "/opt/tf-plugins"]


def v(x):
    """An attribute's value (the parser wraps each in a one-element list)."""
    return x[0] if isinstance(x, list) and len(x) == 1 else x


def load(directory):
    """Every top-level block of the .tf files in `directory`, merged:
    {"resource": {type: {name: body}}, "data": ..., "variable": {name: body},
    "output": ..., "locals": {name: value}, "module": {name: body}}."""
    out = {"resource": {}, "data": {}, "variable": {}, "output": {}, "locals": {}, "module": {}}
    for path in sorted(pathlib.Path(directory).glob("*.tf")):
        doc = hcl2.loads(path.read_text())
        for kind in ("resource", "data"):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    out[kind].setdefault(rtype, {}).update(named)
        for kind in ("variable", "output", "module"):
            for block in doc.get(kind, []):
                out[kind].update(block)
        for block in doc.get("locals", []):
            out["locals"].update({k: v(x) for k, x in block.items() if not k.startswith("__")})
    return out


def blocks(body, name):
    """Nested blocks `name` of a block body (static ones)."""
    found = body.get(name, [])
    return found if isinstance(found, list) else [found]


def statements(doc_body):
    """Statements of an aws_iam_policy_document, static and dynamic (content)."""
    out = [("static", s) for s in blocks(doc_body, "statement")]
    for dyn in blocks(doc_body, "dynamic"):
        for name, spec in dyn.items():
            if name == "statement":
                for content in blocks(spec, "content"):
                    out.append((v(spec.get("for_each")), content))
    return out


def references(expr, group):
    """`local.<group>.<name>` references in an HCL expression string."""
    return re.findall(r"local\." + re.escape(group) + r"\.([A-Za-z0-9_]+)", expr)


def terraform_env():
    env = dict(os.environ)
    rc = tempfile.NamedTemporaryFile("w", suffix=".tfrc", delete=False)
    rc.close()
    env.update(TF_CLI_CONFIG_FILE=rc.name, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    return env


def plugin_dir():
    for d in PLUGIN_DIRS:
        if d and (pathlib.Path(d) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return d
    return None


class Scratch:
    """A copy of terraform/ laid out like the repository (with a stand-in
    bootstrap.zip), initialised offline from a local provider mirror."""

    def __init__(self, tf_dir, plugins):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="trailguard-tf-"))
        self.tf = self.root / "terraform"
        shutil.copytree(tf_dir, self.tf, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
        zip_path = self.root / "target" / "lambda" / "trailguard-lambda" / "bootstrap.zip"
        zip_path.parent.mkdir(parents=True)
        zip_path.write_bytes(b"stand-in for cargo lambda build output")
        self.zip = str(zip_path)
        self.plugins = plugins
        self.env = terraform_env()

    def run(self, rel, *args, stdin=None):
        return subprocess.run(
            ["terraform", *args], cwd=self.tf / rel, env=self.env, input=stdin,
            capture_output=True, text=True, timeout=300,
        )

    def init(self, rel):
        return self.run(rel, "init", "-backend=false", "-input=false", "-no-color", f"-plugin-dir={self.plugins}")

    def validate(self, rel):
        return self.run(rel, "validate", "-no-color")

    def evaluate(self, expression, variables):
        """The value of a JSON-encodable expression in the root module."""
        args = ["console", "-no-color", f"-var=lambda_zip={self.zip}"]
        args += [f"-var={k}={json.dumps(x) if not isinstance(x, str) else x}" for k, x in variables.items()]
        res = self.run(".", *args, stdin=f"base64encode(jsonencode({expression}))\n")
        m = re.search(r'"([A-Za-z0-9+/=]+)"', res.stdout)
        if res.returncode != 0 or not m:
            raise RuntimeError(f"terraform console failed: {res.stderr.strip() or res.stdout.strip()}")
        return json.loads(base64.b64decode(m.group(1)))

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)
