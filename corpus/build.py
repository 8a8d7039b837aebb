"""Build corpus/reports.jsonl from the hand-written sources in corpus/src/ (run from the repo root).

    python corpus/build.py

Each source record's inline markup becomes plain text plus gold spans (corpus/tools/markup.py), and the
record gets its fixed split (nlp_coder.corpus.assign_split). Records are written sorted by id so the file
is reproducible byte for byte.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))

from markup import convert  # noqa: E402

from nlp_coder.corpus import assign_split  # noqa: E402

ROOT = Path(__file__).resolve().parent


def main() -> None:
    records = {}
    for path in sorted((ROOT / "src").glob("*.jsonl")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = convert(json.loads(line))
            if record["id"] in records:
                raise SystemExit(f"{path.name}:{line_no}: duplicate id {record['id']}")
            record["source"] = path.stem
            record["split"] = assign_split(record["id"])
            records[record["id"]] = record
    out = ROOT / "reports.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        for record_id in sorted(records):
            handle.write(json.dumps(records[record_id], ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(records)} records -> {out.relative_to(ROOT.parent)}")


if __name__ == "__main__":
    main()
