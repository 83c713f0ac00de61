#!/usr/bin/env python3
"""Writes tests/data/graph-v1.0-contract.json: the part of Microsoft's description of Microsoft
Graph v1.0 that RoleSync's traffic is checked against (tests/graph_contract.rs).

Source: Microsoft's Python SDK for Graph v1.0, `msgraph-sdk` on PyPI, whose request builders and
models Microsoft generates from its published OpenAPI description of Graph v1.0
(github.com/microsoftgraph/msgraph-metadata). From each request builder it takes the URL template
(path and query option names) and the HTTP methods it offers with their body types; from the
models, the JSON property names of every type a request body can hold (with the base types).

Only the parts of the API a role-sync tool can touch are kept (see KEEP): users, directory
objects, directory roles, role management for the directory, role management policies, directory
audit logs, administrative units, groups and service principals, to a small depth.

Usage: scripts/gen-graph-contract.py [SITE_PACKAGES]
  SITE_PACKAGES: where msgraph-sdk is installed (default: the test venv's, see
  tests/msclients/requirements.txt; `scripts/test.sh` creates it).
"""
import ast
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "graph-v1.0-contract.json"

# (first path segment, most segments kept). A template is kept when its first segment (before
# any '(' key) matches and it has at most that many segments.
KEEP = {
    "users": 2,
    "directoryObjects": 2,
    "directoryRoles": 5,
    "roleManagement": 5,
    "policies": 4,
    "auditLogs": 3,
    "directory": 3,
    "groups": 3,
    "servicePrincipals": 2,
}

# First segments of which only some second segments are kept (`/directory` holds much more than
# administrative units).
ONLY_UNDER = {"directory": ("administrativeUnits",)}

METHODS = ("get", "post", "patch", "put", "delete")


def site_packages(argv):
    if len(argv) > 1:
        return pathlib.Path(argv[1])
    venv = ROOT / "target" / "msclients-venv"
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if not found:
        sys.exit(f"no venv at {venv}: run scripts/test.sh once, or pass SITE_PACKAGES")
    return found[0]


def sdk_version(sp):
    for d in sp.glob("msgraph_sdk-*.dist-info"):
        return d.name[len("msgraph_sdk-"):-len(".dist-info")]
    return "unknown"


TEMPLATE = re.compile(r'super\(\).__init__\(request_adapter, "\{\+baseurl\}([^"]*)"')
METHOD = re.compile(r"async def (get|post|patch|put|delete)\(self,(body: ([A-Za-z0-9_]+))?")
IMPORT = re.compile(r"from (\.+[A-Za-z0-9_.]+) import ([A-Za-z0-9_]+)")


def parse_template(t):
    path, _, query = t.partition("{?")
    query = query.rstrip("}")
    names = [q.replace("%24", "$") for q in query.split(",") if q]
    # {user%2Did} -> {user-id}
    path = re.sub(r"\{([^}]*)\}", lambda m: "{" + m.group(1).replace("%2D", "-") + "}", path)
    return path, names


def kept(path):
    segs = [s for s in path.split("/") if s]
    if not segs:
        return False
    first = segs[0].split("(")[0]
    limit = KEEP.get(first)
    if first in ONLY_UNDER and (len(segs) < 2 or segs[1].split("(")[0] not in ONLY_UNDER[first]):
        return False
    return limit is not None and len(segs) <= limit


def module_of(builder_file, rel_import, sp):
    """The file a relative import in `builder_file` names."""
    dots = len(rel_import) - len(rel_import.lstrip("."))
    base = builder_file.parent
    for _ in range(dots - 1):
        base = base.parent
    return base.joinpath(*rel_import.lstrip(".").split(".")).with_suffix(".py")


class Models:
    """JSON property names of SDK model classes, read from their source files."""

    FIELD = re.compile(r'"([^"]+)": lambda n ?: setattr\(self, \'[a-z0-9_]+\', n\.([a-z_]+)\(([^)]*)\)')

    def __init__(self, sp):
        self.dir = sp / "msgraph" / "generated" / "models"
        self.types = {}

    def file_for(self, cls):
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower()
        p = self.dir / f"{snake}.py"
        return p if p.exists() else None

    def base_of(self, cls):
        f = self.file_for(cls)
        if f is None:
            return None
        m = re.search(rf"class {cls}\(([^)]*)\)", f.read_text())
        bases = [b.strip() for b in (m.group(1).split(",") if m else [])]
        return next((b for b in bases if b not in ("AdditionalDataHolder", "BackedModel", "Parsable")), None)

    def is_entity(self, cls):
        seen = set()
        while cls and cls not in seen:
            if cls == "Entity":
                return True
            seen.add(cls)
            cls = self.base_of(cls)
        return False

    def add(self, cls, nested=False):
        """Adds a body type, its base types and the complex types of its properties. Entity types
        reached through a property (navigation properties: `principal`, `roleDefinition`) are
        named but not described: a request body does not carry them."""
        if cls in self.types or cls in ("AdditionalDataHolder", "BackedModel", "Parsable"):
            return
        if nested and self.is_entity(cls):
            return
        f = self.file_for(cls)
        if f is None:
            return
        src = f.read_text()
        m = re.search(rf"class {cls}\(([^)]*)\)", src)
        bases = [b.strip() for b in (m.group(1).split(",") if m else [])]
        base = next((b for b in bases if b not in ("AdditionalDataHolder", "BackedModel", "Parsable")), None)
        props = {}
        for name, getter, arg in self.FIELD.findall(src):
            nested = arg.strip() if getter in ("get_object_value", "get_collection_of_object_values") else None
            props[name] = nested
        self.types[cls] = {"base": base, "properties": dict(sorted(props.items()))}
        if base:
            self.add(base)
        for t in props.values():
            if t:
                self.add(t, nested=True)


def main():
    sp = site_packages(sys.argv)
    gen = sp / "msgraph" / "generated"
    if not gen.is_dir():
        sys.exit(f"msgraph-sdk is not installed in {sp}")
    models = Models(sp)
    ops = {}
    for f in sorted(gen.rglob("*_request_builder.py")):
        src = f.read_text()
        m = TEMPLATE.search(src)
        if not m:
            continue
        path, query = parse_template(m.group(1))
        if not kept(path):
            continue
        methods = {}
        for meth, _, body in METHOD.findall(src):
            body_type = None
            if body:
                body_type = body
                # Bodies named in the builder's own package (e.g. GetByIdsPostRequestBody).
                local = f.parent / (re.sub(r"(?<!^)(?=[A-Z])", "_", body).lower() + ".py")
                if local.exists():
                    models.types.setdefault(body, None)
                    lsrc = local.read_text()
                    props = {
                        n: (a.strip() if g in ("get_object_value", "get_collection_of_object_values") else None)
                        for n, g, a in Models.FIELD.findall(lsrc)
                    }
                    models.types[body] = {"base": None, "properties": dict(sorted(props.items()))}
                    for t in props.values():
                        if t:
                            models.add(t, nested=True)
                else:
                    models.add(body)
            methods[meth.upper()] = body_type
        if methods:
            ops[path] = {"query": sorted(set(query)), "methods": dict(sorted(methods.items()))}
    models.types = {k: v for k, v in models.types.items() if v is not None}
    out = {
        "source": (
            "Microsoft's description of Microsoft Graph v1.0 as carried by Microsoft's Python SDK "
            f"msgraph-sdk {sdk_version(sp)} (PyPI), generated from the OpenAPI description Microsoft "
            "publishes in github.com/microsoftgraph/msgraph-metadata; trimmed to the paths in KEEP"
        ),
        "generator": "scripts/gen-graph-contract.py",
        "sdk_version": sdk_version(sp),
        "operations": dict(sorted(ops.items())),
        "types": dict(sorted(models.types.items())),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(ops)} operations, {len(models.types)} types")


if __name__ == "__main__":
    main()
