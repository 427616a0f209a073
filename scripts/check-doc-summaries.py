#!/usr/bin/env python3
"""Lists every public symbol of the library modules that has no doc-comment summary.

Reads the symbol graphs `swift package dump-symbol-graph` writes (the module's
own file and its `Module@Other` files, which hold extensions of other modules'
types). A symbol counts as summarised when its doc comment opens with a
sentence, not with a `- Parameters:`/`- Returns:`/`- Throws:` callout.
Symbols whose documentation comes from elsewhere are not the module's to
document: members the compiler synthesises or declares itself (no source
location), and requirements' implementations whose comment the symbol graph
takes from the protocol (a `docComment` of another module, or of another
declaration).

Usage: check-doc-summaries.py SYMBOL_GRAPH_DIR MODULE...
Exits 1, listing each symbol as `file:line: kind name`, when one lacks a summary.
"""
import glob
import json
import os
import sys
from urllib.parse import unquote, urlparse


def location(symbol):
    where = symbol.get("location")
    if not where:
        return "?", 0
    path = unquote(urlparse(where["uri"]).path)
    return os.path.relpath(path), where["position"]["line"] + 1


def summary_lines(doc):
    return [line["text"].strip() for line in doc.get("lines", []) if line["text"].strip()]


def is_inherited(symbol, doc, module, source_lines):
    """The comment is another declaration's, as the symbol graph fills in for
    a protocol requirement's implementation: it comes from another module, from
    another file, or from elsewhere in the file than right above the symbol
    (with only attributes between)."""
    if doc.get("module", module) != module:
        return True
    own = symbol["location"]["uri"]
    if doc.get("uri", own) != own:
        return True
    ranges = [line["range"] for line in doc.get("lines", []) if "range" in line]
    if not ranges:
        return False
    declaration = symbol["location"]["position"]["line"]
    end = ranges[-1]["end"]["line"]
    if end >= declaration:
        return True
    lines = source_lines(symbol)
    between = lines[end + 1:declaration]
    return not all(not line.strip() or line.strip().startswith(("@", "//")) for line in between)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    directory, modules = sys.argv[1], sys.argv[2:]
    missing, total = [], 0
    sources = {}

    def source_lines(symbol):
        path = unquote(urlparse(symbol["location"]["uri"]).path)
        if path not in sources:
            with open(path) as file:
                sources[path] = file.read().split("\n")
        return sources[path]

    for module in modules:
        files = glob.glob(os.path.join(directory, f"{module}.symbols.json"))
        files += glob.glob(os.path.join(directory, f"{module}@*.symbols.json"))
        if not files:
            sys.exit(f"error: no symbol graph of {module} in {directory}")
        seen = set()
        for name in sorted(files):
            with open(name) as file:
                graph = json.load(file)
            for symbol in graph["symbols"]:
                identifier = symbol["identifier"]["precise"]
                if identifier in seen or "::SYNTHESIZED::" in identifier:
                    continue
                seen.add(identifier)
                # Without a location, the compiler declared it (a raw-value
                # initializer, say): there is no source to document.
                if symbol.get("accessLevel") not in ("public", "open") or "location" not in symbol:
                    continue
                doc = symbol.get("docComment")
                if doc and is_inherited(symbol, doc, module, source_lines):
                    continue
                total += 1
                lines = summary_lines(doc) if doc else []
                if lines and not lines[0].startswith("- "):
                    continue
                path, line = location(symbol)
                kind = symbol["kind"]["displayName"].lower()
                title = ".".join(symbol["pathComponents"])
                missing.append((path, line, f"{path}:{line}: {kind} {module}.{title}"))
    for _, _, text in sorted(missing):
        print(text)
    print(f"{total - len(missing)} of {total} public symbols of {', '.join(modules)} have a summary", file=sys.stderr)
    if missing:
        print(f"error: {len(missing)} public symbols without a doc-comment summary", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
