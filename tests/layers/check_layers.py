#!/usr/bin/env python3
"""The layering check (ctest `layers`): dependencies point one way.

Layers, lowest first (README "Layers"):
  base      crypto/base/        result, assert, bytes: no project include
  crypto    crypto/             hashes, keys, Schnorr, the transport's primitives
  messages  messages/           wire schema, domain types, codec (no CAF)
  ledger    messages/ledger/    the rules: chain parameters, registry, validation, block
                                planning (no CAF, no SQLite)
  storage   storage/            SQLite: the chain store, peer tables, reindex
  cores     actors/<name>/      pure protocol classes (no CAF include)
  shells    actors/<name>/      CAF actors, each owning a core (files that include CAF)
  node      node/               the process: config, RPC, supervisor, mains

A production file may include only files of its own layer or below. Between
folders (actors/consensus, actors/peer, storage, ...) includes must form no
cycle. With --links (the link graph CMake writes), libraries must link one way
too: the pure libraries (PURE_LIBRARIES) must not link SQLite or CAF. Test code (*.test.cpp,
tests/) may include anything and is not checked.
"""
import os
import re
import sys

LAYERS = ["base", "crypto", "messages", "ledger", "storage", "cores", "shells", "node"]
RANK = {name: i for i, name in enumerate(LAYERS)}
PROD_DIRS = ["crypto", "messages", "storage", "actors", "node"]
# Libraries of the layers below storage, and the cores: no CAF, no SQLite.
PURE_LIBRARIES = ["tc_crypto", "tc_messages", "tc_ledger", "tc_consensus", "tc_peer", "tc_mempool",
                  "tc_fault", "tc_wallet", "tc_producer", "tc_metrics"]
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def source_files(root):
    for top in PROD_DIRS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                if n.endswith((".hpp", ".cpp")) and not n.endswith(".test.cpp"):
                    yield os.path.relpath(os.path.join(dirpath, n), root)


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        text = f.read()
    return [(kind, inc) for kind, inc in INCLUDE.findall(text)]


def uses_caf(incs):
    return any(inc.startswith("caf/") for _, inc in incs)


def layer_of(path, caf_files):
    if path.startswith("crypto/base/"):
        return "base"
    if path.startswith("crypto/"):
        return "crypto"
    if path.startswith("messages/ledger/"):
        return "ledger"
    if path.startswith("messages/"):
        return "messages"
    if path.startswith("storage/"):
        return "storage"
    if path.startswith("actors/"):
        return "shells" if path in caf_files else "cores"
    if path.startswith("node/"):
        return "node"
    return None


def folder_of(path):
    parts = path.split("/")
    if parts[0] == "actors" and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "crypto" and parts[1] == "base":
        return "crypto/base"
    if parts[0] == "messages" and parts[1] == "ledger":
        return "messages/ledger"
    return parts[0]


def find_cycle(graph):
    """A cycle in {node: set(nodes)} as a list, or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def check_includes(root):
    files = sorted(source_files(root))
    incs = {p: includes(root, p) for p in files}
    # A shell is a file that includes CAF, directly or through a project
    # header (messages/ and below may never: they are checked for it).
    caf_files = {p for p in files if uses_caf(incs[p])}
    grew = True
    while grew:
        grew = False
        for p in files:
            if p not in caf_files and any(i in caf_files for _, i in incs[p]):
                caf_files.add(p)
                grew = True
    errors, graph = [], {}
    for p in files:
        lp = layer_of(p, caf_files)
        if lp is None:
            continue
        if RANK[lp] < RANK["shells"] and uses_caf(incs[p]):
            errors.append(f"{p} ({lp}) includes CAF")
        for kind, inc in incs[p]:
            if kind != '"':
                continue
            if inc.startswith("tests/"):
                errors.append(f"{p} ({lp}) includes test code {inc}")
                continue
            li = layer_of(inc, caf_files)
            if li is None:
                continue
            if RANK[li] > RANK[lp]:
                errors.append(f"{p} ({lp}) includes {inc} ({li}): a layer above it")
            a, b = folder_of(p), folder_of(inc)
            if a != b:
                graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    if cycle:
        errors.append("folders depend on each other in a cycle: " + " -> ".join(cycle))
    return errors, len(files)


def check_links(graph_file):
    """Library links (tests/layers/CMakeLists.txt writes each library's
    direct links): the pure libraries link neither CAF nor SQLite, even
    through another library."""
    deps = {}
    for line in open(graph_file, encoding="utf-8"):
        if ":" not in line:
            continue
        name, links = line.split(":", 1)
        deps[name.strip()] = set(links.split())

    def closure(t):
        seen, todo = set(), [t]
        while todo:
            for d in deps.get(todo.pop(), ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    errors = []
    for t in PURE_LIBRARIES:
        if t not in deps:
            errors.append(f"{t}: not in the link graph")
            continue
        bad = sorted(d for d in closure(t) if "sqlite" in d.lower() or d.lower().startswith("caf"))
        if bad:
            errors.append(f"{t} (pure) links {', '.join(bad)}")
    return errors


def main(argv):
    root = argv[1] if len(argv) > 1 else "."
    errors, n = check_includes(root)
    if len(argv) > 3 and argv[2] == "--links":
        errors += check_links(argv[3])
    for e in errors:
        print("layers: " + e)
    if errors:
        print(f"layers: {len(errors)} violation(s) in {n} files")
        return 1
    links = " and the pure libraries link no CAF or SQLite" if len(argv) > 3 else ""
    print(f"layers: {n} production files, includes point one way, no folder cycle{links}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
