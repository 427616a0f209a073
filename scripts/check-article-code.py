#!/usr/bin/env python3
"""Fails when a DocC article's Swift code is not, verbatim, part of the source it shows.

Usage: check-article-code.py ARTICLE SOURCE
Every ```swift block of ARTICLE must appear, line for line, in SOURCE, so the
article cannot drift from the example target it is made of.
"""
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    article, source = sys.argv[1], sys.argv[2]
    with open(article) as file:
        blocks = re.findall(r"^```swift\n(.*?)^```", file.read(), re.S | re.M)
    with open(source) as file:
        text = file.read()
    if not blocks:
        sys.exit(f"error: {article} has no Swift code block")
    for block in blocks:
        if block not in text:
            first = next((line for line in block.splitlines() if line not in text), block.splitlines()[0])
            sys.exit(f"error: {article}: a Swift block is not in {source} as written (first differing line: {first.strip()!r})")


if __name__ == "__main__":
    main()
