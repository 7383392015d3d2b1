"""Summarise py-spy raw (collapsed-stack) profiles: share of samples per library, top leaves.

    pip install py-spy
    py-spy record --pid <gunicorn master> --subprocesses --duration 18 --rate 200 \
        --format raw --output home-c8.txt --nonblocking
    python bench/profile_summary.py home-c2.txt home-c8.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter

LIBRARIES = ("psycopg", "sqlalchemy", "jinja2", "werkzeug", "flask", "gunicorn", "cryptography",
             "babel", "registry_kernel", "plugins/", "registry_plugins", "selectors")


def summarise(path: str) -> tuple[int, Counter[str], Counter[str]]:
    """Samples in all; samples with each library anywhere on the stack; samples per leaf."""
    total, libraries, leaves = 0, Counter[str](), Counter[str]()
    with open(path) as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            samples = int(count)
            total += samples
            frames = stack.split(";")
            files = [m.group(1) for f in frames if (m := re.search(r"\(([^:)]*)", f))]
            for library in {lib for lib in LIBRARIES for file in files if lib in file}:
                libraries[library] += samples
            leaves[frames[-1][:110]] += samples
    return total, libraries, leaves


def main() -> None:
    for path in sys.argv[1:]:
        total, libraries, leaves = summarise(path)
        print(f"{path}: {total} samples")
        for library, samples in libraries.most_common():
            print(f"   {library:18s} {100 * samples / total:5.1f}%")
        print("  top leaves:")
        for leaf, samples in leaves.most_common(12):
            print(f"   {100 * samples / total:5.1f}% {leaf}")


if __name__ == "__main__":
    main()
