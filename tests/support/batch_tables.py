"""The results table of `deepvis batch`, as the batch and cluster tests compare it."""
import csv


def read_table(path):
    """(header, rows) of a results CSV."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def without_times(header, rows):
    """The table without its *_seconds columns: what two runs of the same items must share."""
    keep = [i for i, h in enumerate(header) if not h.endswith("_seconds")]
    return [[h for i, h in enumerate(header) if i in keep]] + [[r[i] for i in keep] for r in rows]
