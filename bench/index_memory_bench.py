"""How many bytes the near-duplicate index keeps per text, by kind of text: the benches'
generated corpora and the public sets of ../shared/data (not part of the test suite).

    python bench/index_memory_bench.py [--n 20000]

Indexes each corpus (the generated ones: their first `--n` texts; the public ones: every row)
and prints the mean text length and the bytes of the word and character postings per text (4
bytes per distinct term of a text, and the row pointers), scaled to 1,000,000 texts: the part
of the worker's memory that grows with the length of the texts.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

# after PYTHONPATH, so that another checkout's code can be measured with this script
sys.path.append(str(Path(__file__).resolve().parent.parent))

import numpy as np
from join_bench import corpus

from northline.insights.text.duplicates import DuplicateIndex

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "feedback"


def rows(name: str) -> list[dict[str, str]]:
    csv.field_size_limit(10**8)
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def corpora(n: int) -> dict[str, list[str]]:
    return {
        "import bench (bags of 24 words)": corpus("import", n),
        "processing bench (template sentences)": corpus("processing", n),
        "Firefox bug reports (firefox_duplicates.csv)": [
            r["text"] for r in rows("firefox_duplicates.csv")
        ],
        "GitHub issues, title and body (nlbse24_issues_train.csv)": [
            f"{r['title']}\n{r['body']}" for r in rows("nlbse24_issues_train.csv")
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    print("| texts | count | mean characters | postings per text | at 1,000,000 texts |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, texts in corpora(args.n).items():
        index = DuplicateIndex()
        index.add([str(i) for i in range(len(texts))], texts)
        held = sum(
            chunk.packed.nbytes + chunk.indptr.nbytes
            for block in (index._word, index._char)
            for chunk in block.chunks
        )
        per_text = held / len(texts)
        length = float(np.mean([len(text) for text in texts]))
        print(f"| {name} | {len(texts):,} | {length:,.0f} | {per_text:,.0f} B | "
              f"{per_text * 1e6 / 1e9:.2f} GB |")  # fmt: skip


if __name__ == "__main__":
    main()
