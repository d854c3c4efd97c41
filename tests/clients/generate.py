"""Generates clients from an OpenAPI document the way an integrator would, and fails
when the document is invalid, when a generator errors or warns, or when a generated
client leaves an operation out.

    generate.py OPENAPI_JSON OUT_DIR [--python-only]

Run with the Python of the folder tests/clients/setup.sh prepared (its venv/ and
node_modules/ sit beside each other). Both generators run at their default settings.
Prints `clients: ok …` on success; OUT_DIR/python holds the generated Python package.
"""

import json
import pathlib
import subprocess
import sys

from openapi_spec_validator import validate
from openapi_python_client.parser.properties.enum_property import strings

TOOLS = pathlib.Path(sys.prefix).parent


def operations(doc):
    return sorted(
        op["operationId"]
        for item in doc["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    )


def fail(message):
    print(f"clients: FAILED: {message}")
    sys.exit(1)


def run(cmd, cwd=None):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    text = out.stdout + out.stderr
    if out.returncode != 0:
        fail(f"{cmd[0]} exited {out.returncode}:\n{text}")
    return text


def python_client(spec, out, expected):
    bin_dir = pathlib.Path(sys.prefix) / "bin"
    env_path = f"{bin_dir}"
    text = subprocess.run(
        [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec),
         "--output-path", str(out)],
        capture_output=True, text=True,
        env={"PATH": env_path + ":/usr/bin:/bin", "HOME": str(out.parent)},
    )
    log = text.stdout + text.stderr
    if text.returncode != 0:
        fail(f"openapi-python-client exited {text.returncode}:\n{log}")
    if "Warning" in log or "Unable to" in log:
        fail(f"openapi-python-client warned (something was left out):\n{log}")
    packages = [p for p in out.iterdir() if (p / "api").is_dir()]
    if len(packages) != 1:
        fail(f"no generated package under {out}")
    generated = sorted(
        p.stem for p in (packages[0] / "api").glob("*/*.py") if p.stem != "__init__"
    )
    wanted = sorted(strings.snake_case(op) for op in expected)
    if generated != wanted:
        fail(
            "openapi-python-client: missing "
            f"{sorted(set(wanted) - set(generated))}, unexpected {sorted(set(generated) - set(wanted))}"
        )
    return packages[0]


def typescript_client(spec, out, expected):
    bin_dir = TOOLS / "node_modules" / ".bin"
    target = out / "api.d.ts"
    run([str(bin_dir / "openapi-typescript"), str(spec), "-o", str(target)])
    run([str(bin_dir / "tsc"), "--noEmit", "--strict", str(target)])
    lister = out / "list.cjs"
    lister.write_text(
        """
const ts = require(process.argv[2]);
const file = process.argv[3];
const program = ts.createProgram([file], {});
const checker = program.getTypeChecker();
const source = program.getSourceFile(file);
const names = [];
ts.forEachChild(source, (node) => {
  if (ts.isInterfaceDeclaration(node) && node.name.text === "operations") {
    for (const member of node.members) names.push(member.name.text);
  }
});
console.log(JSON.stringify(names.sort()));
"""
    )
    names = json.loads(
        run(["node", str(lister), str(TOOLS / "node_modules" / "typescript"), str(target)])
    )
    if names != expected:
        fail(
            "openapi-typescript: missing "
            f"{sorted(set(expected) - set(names))}, unexpected {sorted(set(names) - set(expected))}"
        )


def main():
    spec = pathlib.Path(sys.argv[1]).resolve()
    out = pathlib.Path(sys.argv[2]).resolve()
    python_only = "--python-only" in sys.argv[3:]
    doc = json.loads(spec.read_text())
    try:
        validate(doc)
    except Exception as error:  # the validator's own message names the broken part
        fail(f"openapi-spec-validator: {str(error).split(' within ')[0][:2000]}")
    expected = operations(doc)
    if len(set(expected)) != len(expected):
        fail("duplicate operationId")
    out.mkdir(parents=True, exist_ok=True)
    package = python_client(spec, out / "python", expected)
    if not python_only:
        (out / "ts").mkdir(exist_ok=True)
        typescript_client(spec, out / "ts", expected)
    print(f"clients: ok operations={len(expected)} python={package} "
          f"typescript={'skipped' if python_only else 'ok'}")


if __name__ == "__main__":
    main()
